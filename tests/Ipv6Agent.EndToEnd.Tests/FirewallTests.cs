using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Ipv6Agent.Testbed.Instances;
using Ipv6Agent.Testbed.Network;
using Ipv6Agent.Testing.Docker;
using static Ipv6Agent.EndToEnd.Vpc;

namespace Ipv6Agent.EndToEnd;

/// <summary>
/// Issue 9 on the simulated VPC: a container's public IPv6 address answers from outside only on the ports it publishes
/// (and ICMPv6), kept current from Docker's events, through Docker restarts, agent kills and reboots; no NAT66 even on a
/// host where Docker's ip6tables ran before. The instances run the real <c>nft -f -</c>, inside their namespaces.
/// </summary>
public sealed class FirewallTests
{
    private const string Web = "web";

    /// <summary>
    /// instance-1 (a delegated /80) runs a service publishing tcp/80 and udp/53 that also listens on tcp/81 and udp/54;
    /// instance-2 (a /126 block) starts with what Docker ≥ 27 leaves after running with ip6tables on.
    /// </summary>
    [Fact]
    public async Task Published_OnlyPublishedPortsAnswer_FromTheInternetAndTheOtherInstance_NoNat66_OpenModeOpensAll()
    {
        await using var bed = await StartAsync("delegated-prefix");
        var (i1, i2) = (bed["instance-1"], bed["instance-2"]);
        await PreloadDocker27Ip6TablesAsync(i2, "2001:db8:47b:ca03::c/126");

        await ApplyAllAsync(bed);

        // The stale MASQUERADE is gone after one pass: the internet host counts the container's own address.
        foreach (var i in bed.Instances) await AssertInternetSeesContainerAddressAsync(bed, i);
        await AssertPingsAsync(bed);
        Assert.DoesNotContain("MASQUERADE", (await Cmd.RunAsync("ip", "netns", "exec", i2.Namespace, "ip6tables-save")).StdOut);

        (await i1.DockerAsync("run", "-d", "--name", Web, "-p", "8080:80", "-p", "5353:53/udp", ProbeImage.DefaultTag, "sleep", "3600")).Check();
        var web = await Ports.AddressAsync(i1, Web);
        var client = await ContainerAsync(i2);
        var clientAddress = await Ports.AddressAsync(i2, client);
        await using var ports = new Ports();
        foreach (var (proto, port) in new[] { ("tcp", 80), ("udp", 53), ("tcp", 81), ("udp", 54) })
            await ports.ServeAsync(i1, Web, proto, port);

        var pass = await ApplyAsync(i1);
        Assert.True(pass.ExitCode == 0, pass.ToString());
        Assert.Equal((true, "published: 1 container, 2 ports open; rules in place"), Check(pass, "firewall"));
        Assert.True(Check(pass, "no-nat").Ok, Check(pass, "no-nat").Detail);

        var internet = bed.InternetHost.ToString();
        Assert.Equal(internet, await Ports.AskFromInternetAsync(bed, web, "tcp", 80));
        Assert.Equal(internet, await Ports.AskFromInternetAsync(bed, web, "udp", 53));
        Assert.Null(await Ports.AskFromInternetAsync(bed, web, "tcp", 81));
        Assert.Null(await Ports.AskFromInternetAsync(bed, web, "udp", 54));
        Assert.Equal(clientAddress.ToString(), await Ports.AskFromContainerAsync(i2, client, web, "tcp", 80));
        Assert.Equal(clientAddress.ToString(), await Ports.AskFromContainerAsync(i2, client, web, "udp", 53));
        Assert.Null(await Ports.AskFromContainerAsync(i2, client, web, "tcp", 81));
        Assert.Null(await Ports.AskFromContainerAsync(i2, client, web, "udp", 54));
        // Containers on the same host are not filtered: instance-1's other container reaches the unpublished port.
        Assert.NotNull(await Ports.AskFromContainerAsync(i1, await ContainerAsync(i1), web, "tcp", 81));

        // ICMPv6 both ways: the internet and the other instance's container ping the service, and it pings them.
        await AssertPingAsync(["ip", "netns", "exec", bed.Router.InternetNamespace, "ping", "-6", "-c", "2", "-W", "2", web.ToString()]);
        Assert.True((await Testbed.Testbed.PingFromContainerAsync(i2, client, web)).Ok, "ping from instance-2's container to the service");
        Assert.True((await Testbed.Testbed.PingFromContainerAsync(i1, Web, bed.InternetHost)).Ok, "ping from the service to the internet");
        Assert.True((await Testbed.Testbed.PingFromContainerAsync(i1, Web, clientAddress)).Ok, "ping from the service to instance-2's container");

        await AssertSecondApplyChangesNothingAsync(i1);

        // firewall.mode: open is today's behaviour: every port answers.
        File.AppendAllText(i1.ConfigPath, "firewall:\n  mode: open\n");
        var open = await ApplyAsync(i1);
        Assert.True(open.ExitCode == 0, open.ToString());
        Assert.Contains("firewall-load", open.Actions);
        Assert.Equal(internet, await Ports.AskFromInternetAsync(bed, web, "tcp", 81));
        Assert.Equal(internet, await Ports.AskFromInternetAsync(bed, web, "udp", 54));
        Assert.False(await HasAgentTableAsync(i1));
    }

    /// <summary>
    /// With <c>run</c> in the instance and no pass: a new <c>docker run -p</c> is open within 2 s, a stopped one closed;
    /// the same after a Docker restart and after the agent is killed; a reboot never has a moment where an unpublished
    /// port answers.
    /// </summary>
    [Fact]
    public async Task Run_FollowsDockersEvents_ThroughDockerRestartAgentKillAndReboot_NeverOpen()
    {
        await using var bed = await StartAsync("delegated-prefix");
        var i1 = bed["instance-1"];
        await ApplyAllAsync(bed);
        await using var ports = new Ports();
        (await i1.DockerAsync("run", "-d", "--name", Web, "--restart", "always", "-p", "8080:80", ProbeImage.DefaultTag, "sleep", "3600")).Check();
        var agent = await BackgroundAgent.StartAsync(i1);
        try
        {
            // A new container: open within 2 s of `docker run`, with no pass (the kernel's set holds it); its unpublished
            // port stays closed.
            var clock = Stopwatch.StartNew();
            (await i1.DockerAsync("run", "-d", "--name", "late", "-p", "9090:90", ProbeImage.DefaultTag, "sleep", "3600")).Check();
            var started = clock.Elapsed;
            var late = await Ports.AddressAsync(i1, "late");
            var opened = await UntilAsync(async () => (await PublishedAsync(i1)).Contains($"{late} . tcp . 90"), started + TimeSpan.FromSeconds(2), clock);
            TestContext.Current.SendDiagnosticMessage($"docker run took {started.TotalMilliseconds:0} ms; its port was open {(opened - started)?.TotalMilliseconds:0} ms after it returned");
            Assert.True(opened is not null, $"{late} . tcp . 90 not in the published set within 2 s of docker run: {string.Join(", ", await PublishedAsync(i1))}");
            await ports.ServeAsync(i1, "late", "tcp", 90);
            await ports.ServeAsync(i1, "late", "tcp", 91);
            Assert.Equal(bed.InternetHost.ToString(), await Ports.AskFromInternetAsync(bed, late, "tcp", 90));
            Assert.Null(await Ports.AskFromInternetAsync(bed, late, "tcp", 91, 1));
            // `status` says so too, with no pass: the watcher updates the last report's firewall check.
            using (var report = JsonDocument.Parse(File.ReadAllText(i1.PathOf("/run/ipv6-agent/status.json"))))
            {
                var firewall = report.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "firewall");
                Assert.Equal("published: 2 containers, 2 ports open; rules in place", firewall.GetProperty("detail").GetString());
            }

            // Stopped: its element leaves the kernel's set within 2 s.
            clock.Restart();
            (await i1.DockerAsync("stop", "-t", "0", "late")).Check();
            var stopped = clock.Elapsed;
            while (await PublishedAsync(i1) is var set && set.Any(e => e.StartsWith(late + " ", StringComparison.Ordinal)))
            {
                Assert.True(clock.Elapsed < stopped + TimeSpan.FromSeconds(2), $"{late} still in the published set 2 s after docker stop: {string.Join(", ", set)}");
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }
            TestContext.Current.SendDiagnosticMessage($"docker stop took {stopped.TotalMilliseconds:0} ms; closed {(clock.Elapsed - stopped).TotalMilliseconds:0} ms after");

            // Docker restarts: web comes back (restart policy), maybe at another address; the watcher reconnects.
            (await i1.RunScriptAsync("docker-restart")).Check();
            clock.Restart();
            var back = await Ports.AddressAsync(i1, Web);
            var reopened = await UntilAsync(async () => (await PublishedAsync(i1)).Contains($"{back} . tcp . 80"), TimeSpan.FromSeconds(2), clock);
            TestContext.Current.SendDiagnosticMessage($"after the Docker restart, {Web}'s port was open {reopened?.TotalMilliseconds:0} ms after the engine answered");
            Assert.True(reopened is not null, $"{back} . tcp . 80 not in the published set within 2 s of Docker's restart: {string.Join(", ", await PublishedAsync(i1))}");
            await AssertServiceOpenOnlyOnPublishedAsync(bed, i1, ports, TimeSpan.FromSeconds(5), Stopwatch.StartNew());

            // The agent is killed: its rules stay; a container started meanwhile is closed, then opened by the next agent.
            await agent.KillAsync();
            (await i1.DockerAsync("run", "-d", "--name", "dark", "-p", "7070:70", ProbeImage.DefaultTag, "sleep", "3600")).Check();
            var dark = await Ports.AddressAsync(i1, "dark");
            await ports.ServeAsync(i1, "dark", "tcp", 70);
            await ports.ServeAsync(i1, "dark", "tcp", 71);
            Assert.Null(await Ports.AskFromInternetAsync(bed, dark, "tcp", 71, 1));
            Assert.Null(await Ports.AskFromInternetAsync(bed, dark, "tcp", 70, 1));
            await agent.DisposeAsync();
            agent = await BackgroundAgent.StartAsync(i1);
            Assert.Equal(bed.InternetHost.ToString(), await Ports.AskFromInternetAsync(bed, dark, "tcp", 70));
            Assert.Null(await Ports.AskFromInternetAsync(bed, dark, "tcp", 71, 1));
            await AssertServiceOpenOnlyOnPublishedAsync(bed, i1, ports, TimeSpan.FromSeconds(2), Stopwatch.StartNew(), restartServers: false);
        }
        finally
        {
            await agent.DisposeAsync();
        }

        // A reboot: the kernel forgets every rule; the boot unit's closed rules come before Docker restarts web, so its
        // unpublished port never answers, not even before the agent's first pass.
        await i1.BootAsync(reboot: true);
        var rebooted = await Ports.AddressAsync(i1, Web);
        await ports.ServeAsync(i1, Web, "tcp", 80);
        await ports.ServeAsync(i1, Web, "tcp", 81);
        Assert.Null(await Ports.AskFromInternetAsync(bed, rebooted, "tcp", 81, 1));
        Assert.True(await HasAgentTableAsync(i1), "no agent table after the reboot, before the first pass");
        await using (var again = await BackgroundAgent.StartAsync(i1))
        {
            Assert.Equal(bed.InternetHost.ToString(), await Ports.AskFromInternetAsync(bed, rebooted, "tcp", 80));
            Assert.Null(await Ports.AskFromInternetAsync(bed, rebooted, "tcp", 81, 1));
        }
    }

    /// <summary>The time <paramref name="condition"/> first held, or <c>null</c> when it did not by <paramref name="deadline"/>.</summary>
    private static async Task<TimeSpan?> UntilAsync(Func<Task<bool>> condition, TimeSpan deadline, Stopwatch clock)
    {
        while (true)
        {
            if (await condition()) return clock.Elapsed;
            if (clock.Elapsed > deadline) return null;
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>web's tcp/80 answers (within <paramref name="within"/>), its tcp/81 does not.</summary>
    private static async Task AssertServiceOpenOnlyOnPublishedAsync(Testbed.Testbed bed, Instance i1, Ports ports, TimeSpan within, Stopwatch clock, bool restartServers = true)
    {
        var web = await Ports.AddressAsync(i1, Web);
        if (restartServers)
        {
            await ports.ServeAsync(i1, Web, "tcp", 80);
            await ports.ServeAsync(i1, Web, "tcp", 81);
        }
        Assert.True(await Ports.TimeUntilOpenAsync(bed, web, "tcp", 80, within, clock) is not null, $"{Web}'s tcp/80 at {web} not open within {within}");
        Assert.Null(await Ports.AskFromInternetAsync(bed, web, "tcp", 81, 1));
    }

    /// <summary>What Docker ≥ 27 leaves in an instance that ran with IPv6 and ip6tables on (iptables-nft, as Docker makes them).</summary>
    private static async Task PreloadDocker27Ip6TablesAsync(Instance instance, string cidr)
    {
        var script = $"""
            set -e
            ip6tables -t nat -N DOCKER
            ip6tables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
            ip6tables -t nat -A POSTROUTING -s {cidr} ! -o docker0 -j MASQUERADE
            ip6tables -t nat -A DOCKER -i docker0 -j RETURN
            for c in DOCKER DOCKER-ISOLATION-STAGE-1 DOCKER-ISOLATION-STAGE-2 DOCKER-USER; do ip6tables -N $c; done
            ip6tables -P FORWARD DROP
            ip6tables -A FORWARD -j DOCKER-USER
            ip6tables -A FORWARD -j DOCKER-ISOLATION-STAGE-1
            ip6tables -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
            ip6tables -A FORWARD -o docker0 -j DOCKER
            ip6tables -A FORWARD -i docker0 ! -o docker0 -j ACCEPT
            ip6tables -A FORWARD -i docker0 -o docker0 -j ACCEPT
            ip6tables -A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
            ip6tables -A DOCKER-ISOLATION-STAGE-1 -j RETURN
            ip6tables -A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
            ip6tables -A DOCKER-ISOLATION-STAGE-2 -j RETURN
            ip6tables -A DOCKER-USER -j RETURN
            """;
        (await Cmd.RunAsync("ip", "netns", "exec", instance.Namespace, "sh", "-c", script)).Check();
    }

    private static (bool Ok, string Detail) Check(AgentRun run, string name)
    {
        var check = run.Report!.Value.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        return (check.GetProperty("ok").GetBoolean(), check.GetProperty("detail").GetString()!);
    }

    private static async Task<bool> HasAgentTableAsync(Instance instance) =>
        (await Cmd.RunAsync("ip", "netns", "exec", instance.Namespace, "nft", "list", "table", "ip6", "ipv6_agent")).Ok;

    /// <summary>The kernel's published set as "address . proto . port" lines.</summary>
    private static async Task<IReadOnlyList<string>> PublishedAsync(Instance instance)
    {
        var r = (await Cmd.RunAsync("ip", "netns", "exec", instance.Namespace, "nft", "-j", "list", "set", "ip6", "ipv6_agent", "published")).Check();
        using var json = JsonDocument.Parse(r.StdOut);
        return [.. json.RootElement.GetProperty("nftables").EnumerateArray()
            .Where(e => e.TryGetProperty("set", out _))
            .SelectMany(e => e.GetProperty("set").TryGetProperty("elem", out var elem) ? elem.EnumerateArray() : Enumerable.Empty<JsonElement>())
            .Select(e => string.Join(" . ", e.GetProperty("concat").EnumerateArray().Select(v => v.ToString())))];
    }

    private static async Task AssertPingAsync(string[] argv)
    {
        CmdResult r = null!;
        for (var i = 0; i < 3 && (r is null || !r.Ok); i++) r = await Cmd.RunAsync(argv[0], argv[1..], TimeSpan.FromSeconds(30));
        Assert.True(r.Ok, $"{string.Join(' ', argv)}: {r.StdOut}{r.StdErr}");
    }
}
