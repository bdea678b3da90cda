using Ipv6Agent.Testbed.Network;
using static Ipv6Agent.EndToEnd.Vpc;

namespace Ipv6Agent.EndToEnd;

/// <summary>One test per scenario file in tests/scenarios: the agent, run inside each instance, against the simulated VPC.</summary>
public sealed class ScenarioTests
{
    [Fact]
    public async Task BlogTwoInstances_OneApplyEach_ContainersReachEachOtherAndTheInternet()
    {
        await using var bed = await StartAsync("blog-two-instances");
        var daemonJson = File.ReadAllText(bed["instance-1"].PathOf("/etc/docker/daemon.json"));
        await ApplyAllAsync(bed);
        await AssertAddressesAsync(bed);
        await AssertPingsAsync(bed);
        foreach (var i in bed.Instances)
        {
            await AssertInternetSeesContainerAddressAsync(bed, i);
            AssertDaemonJsonKept(i, daemonJson);
            await AssertSecondApplyChangesNothingAsync(i);
        }
    }

    [Fact]
    public async Task DelegatedPrefix_DockerGetsThePrefix_ContainerReachesTheInternet()
    {
        await using var bed = await StartAsync("delegated-prefix");
        await ApplyAllAsync(bed);
        await AssertAddressesAsync(bed);
        await AssertPingsAsync(bed);
        foreach (var i in bed.Instances) await AssertInternetSeesContainerAddressAsync(bed, i);
        foreach (var i in bed.Instances) await AssertSecondApplyChangesNothingAsync(i);
    }

    [Fact]
    public async Task ThreeInstances_EveryContainerReachesTheOthers()
    {
        await using var bed = await StartAsync("three-instances");
        await ApplyAllAsync(bed);
        await AssertAddressesAsync(bed);
        await AssertPingsAsync(bed);
    }

    [Fact]
    public async Task UbuntuCurrent_ConvergesAndSurvivesAReboot_CloudInitRendersAgain()
    {
        await using var bed = await StartAsync("ubuntu-current");
        var daemonJson = File.ReadAllText(bed["instance-1"].PathOf("/etc/docker/daemon.json"));
        await ApplyAllAsync(bed);
        await AssertAddressesAsync(bed);
        await AssertPingsAsync(bed);
        foreach (var i in bed.Instances) AssertDaemonJsonKept(i, daemonJson);

        // A reboot: kernel state from scratch, cloud-init renders its netplan file again unless the
        // agent disabled that, networkd and dockerd start from the files.
        foreach (var i in bed.Instances) await i.BootAsync(reboot: true);
        await AssertAddressesAsync(bed);
        await AssertPingsAsync(bed);
        foreach (var i in bed.Instances) await AssertSecondApplyChangesNothingAsync(i);
    }

    [Fact]
    public async Task ImdsDown_Exit2_NothingTouched()
    {
        await using var bed = await StartAsync("imds-down");
        var i = bed["instance-1"];
        var before = Snapshot(i);
        var ens5 = await i.AddressesAsync("ens5");
        var pid = i.DockerdPid;
        var run = await ApplyAsync(i);
        Assert.True(run.ExitCode == 2, $"expected exit 2 with IMDS down, got {run}");
        AssertSame(before, Snapshot(i), "files under /etc and /var/lib/ipv6-agent");
        Assert.Equal(ens5.ToHashSet(), (await i.AddressesAsync("ens5")).ToHashSet());
        Assert.Equal(pid, i.DockerdPid);
    }

    [Fact]
    public async Task GatewayDead_RolledBack_HostReachesGatewayAndImdsAgain()
    {
        await using var bed = await StartAsync("gateway-dead");
        var i = bed["instance-1"];
        var netplanBefore = Directory.GetFiles(i.PathOf("/etc/netplan")).ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
        var run = await ApplyAsync(i);
        Assert.True(run.ExitCode == 2, $"expected exit 2 (failed, rolled back), got {run}");
        var netplanAfter = Directory.GetFiles(i.PathOf("/etc/netplan")).ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
        Assert.Equal(netplanBefore, netplanAfter);
        var gw = await i.PingAsync($"{VpcRouter.Gateway}%ens5");
        Assert.True(gw.Ok, $"gateway unreachable after the rollback: {gw.StdOut}{gw.StdErr}");
        var imds = await i.PingAsync(VpcRouter.Imds.ToString());
        Assert.True(imds.Ok, $"IMDS unreachable after the rollback: {imds.StdOut}{imds.StdErr}");
    }

    [Fact]
    public async Task DockerRefusesDaemonJson_Restored_DockerUp()
    {
        await using var bed = await StartAsync("docker-refuses-daemon-json");
        var i = bed["instance-1"];
        var original = File.ReadAllText(i.PathOf("/etc/docker/daemon.json"));
        var run = await ApplyAsync(i);
        Assert.True(run.ExitCode == 2, $"expected exit 2 (engine refused daemon.json), got {run}");
        Assert.Equal(original, File.ReadAllText(i.PathOf("/etc/docker/daemon.json")));
        Assert.NotNull(i.DockerdPid);
        Assert.True((await i.DockerAsync("version")).Ok, "Docker is not up after the restore");
    }

    /// <summary>
    /// Killed (with the command it runs, as systemd kills a control group) in <c>netplan apply</c>, after the netplan files were
    /// written; or in the Docker restart, after daemon.json was written and netplan applied. Either way the files are already as
    /// desired, so only the journal of the killed pass makes the next pass put them back, re-run what had started, and then
    /// converge the kernel and dockerd for real.
    /// </summary>
    [Theory]
    [InlineData("netplan-apply")]
    [InlineData("docker-restart")]
    public async Task AgentKilledMidPass_NextPassUndoesItThenConverges_NoHalfWrittenFile(string killedIn)
    {
        await using var bed = await StartAsync("agent-killed-mid-pass");
        var i = bed["instance-1"];
        i.SetFault("kill-agent-at", killedIn);
        var killed = await ApplyAsync(i);
        Assert.True(killed.ExitCode is 137 or -9 or 9, $"the agent was to be killed at {killedIn}: {killed}");
        Assert.True(File.Exists(i.PathOf(Applying.PassJournal.HostPath)), "the killed pass left no journal");

        // No temporary or truncated file: every file the agent may write parses.
        foreach (var f in Directory.EnumerateFiles(i.PathOf("/etc"), "*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(f);
            Assert.False(name.Contains(".tmp", StringComparison.Ordinal) || name.StartsWith('.'), $"leftover temporary file {f}");
            if (f.EndsWith(".json", StringComparison.Ordinal)) System.Text.Json.JsonDocument.Parse(File.ReadAllText(f)).Dispose();
            if (f.EndsWith(".yaml", StringComparison.Ordinal)) new YamlDotNet.RepresentationModel.YamlStream().Load(new StringReader(File.ReadAllText(f)));
        }

        var run = await ApplyAsync(i);
        Assert.True(run.ExitCode == 0, $"the next pass did not converge: {run}");
        // The killed pass's commands again (undo), then this pass's own; the killed pass never reached the firewall. Docker runs
        // no container here, so the killed pass started Docker's restart beside netplan apply: killed in netplan apply, it may
        // have done so just before (then the undo restarts Docker too) or not yet.
        string[][] expected = killedIn == "netplan-apply"
            ? [["netplan-apply", "netplan-apply", "docker-restart", "firewall-load"], ["netplan-apply", "docker-restart", "netplan-apply", "docker-restart", "firewall-load"]]
            : [["netplan-apply", "docker-restart", "netplan-apply", "docker-restart", "firewall-load"]];
        Assert.True(expected.Any(e => e.SequenceEqual(run.Actions)), $"actions: {string.Join(", ", run.Actions)}");
        Assert.Contains("The previous pass was interrupted", run.StdErr, StringComparison.Ordinal);
        Assert.False(File.Exists(i.PathOf(Applying.PassJournal.HostPath)), "the journal outlived the pass that undid it");
        await AssertAddressesAsync(bed);
        await AssertPingsAsync(bed);
        await AssertSecondApplyChangesNothingAsync(i);
    }
}
