using System.Net;
using Ipv6Agent.Addressing;
using Ipv6Agent.Testbed;
using Ipv6Agent.Testbed.Cleanup;
using Ipv6Agent.Testbed.Scenarios;
using static Ipv6Agent.EndToEnd.Vpc;

namespace Ipv6Agent.EndToEnd;

/// <summary>The simulated VPC itself, without the agent: so a failing scenario is the agent's fault.</summary>
public sealed class TestbedTests
{
    [Fact]
    public async Task Testbed_BootState_IsWhatEc2Leaves()
    {
        await using var bed = await StartAsync("blog-two-instances");
        var i = bed["instance-1"];
        var ens5 = await i.AddressesAsync("ens5");
        Assert.Equal(i.Spec.Ipv6s.Select(a => new PrefixedAddress(a, 128)).ToHashSet(), ens5.ToHashSet());
        var route = await Testbed.Network.Cmd.RunAsync("ip", "-n", i.Namespace, "-6", "route", "show", "default");
        Assert.Contains("proto ra", route.StdOut, StringComparison.Ordinal);
        Assert.Contains("noprefixroute", (await Testbed.Network.Cmd.RunAsync("ip", "-n", i.Namespace, "-6", "addr", "show", "dev", "ens5")).StdOut, StringComparison.Ordinal);
        Assert.True(File.Exists(i.PathOf("/etc/netplan/50-cloud-init.yaml")));
    }

    [Fact]
    public async Task Testbed_BlogRecipeByHand_ContainersReachEachOtherAndTheInternet()
    {
        await using var bed = await StartAsync("blog-two-instances");
        await HandRecipe.ApplyAsync(bed["instance-1"], IPNetwork.Parse("2001:db8:47b:ca03::8/126"), [P("2001:db8:47b:ca03::1:1/64")]);
        await HandRecipe.ApplyAsync(bed["instance-2"], IPNetwork.Parse("2001:db8:47b:ca03::c/126"), [P("2001:db8:47b:ca03::2:2/64")]);
        await AssertAddressesAsync(bed);
        await AssertPingsAsync(bed);
    }

    [Fact]
    public async Task Testbed_Dispose_LeavesNoNamespaceDaemonOrFolder()
    {
        string run;
        await using (var bed = await StartAsync("blog-two-instances"))
        {
            run = bed.Run;
            Assert.NotNull(bed["instance-1"].DockerdPid);
        }

        Assert.DoesNotContain((await Sweeper.NamespacesAsync()), n => n.StartsWith(run, StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine("/tmp", run)));
        var leftovers = Directory.EnumerateDirectories("/proc")
            .Select(d => Path.Combine(d, "cmdline"))
            .Where(f => { try { return File.ReadAllText(f).Contains(run, StringComparison.Ordinal); } catch (IOException) { return false; } })
            .ToList();
        Assert.Empty(leftovers);
    }

    [Fact]
    public void Scenarios_EveryFileLoads()
    {
        foreach (var name in ScenarioLoader.Names())
        {
            var s = ScenarioLoader.Load(name);
            Assert.NotEmpty(s.Instances);
        }
    }

    private static PrefixedAddress P(string s) => PrefixedAddress.TryParse(s, out var p) ? p : throw new FormatException(s);
}
