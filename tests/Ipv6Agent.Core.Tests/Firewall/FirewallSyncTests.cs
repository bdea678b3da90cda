using System.Net;
using Ipv6Agent.Applying;
using Ipv6Agent.Configuration;
using Ipv6Agent.Testing;
using Ipv6Agent.Testing.Docker;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv6Agent.Firewall;

/// <summary>
/// The sync against the real <c>nft</c>, in a network namespace of the test's own (never this machine's rules): the
/// commands are the defaults behind <c>ip netns exec</c>. No Docker engine answers here, so the published set is empty.
/// </summary>
public sealed class FirewallSyncTests : IAsyncLifetime
{
    private static readonly IPNetwork Cidr = IPNetwork.Parse("2001:db8:47b:ca03::8/126");

    private NetworkNamespace _ns = null!;
    private readonly TempRoot _root = new();

    public async ValueTask InitializeAsync() => _ns = await NetworkNamespace.CreateAsync("fwsync");

    public async ValueTask DisposeAsync()
    {
        await _ns.DisposeAsync();
        _root.Dispose();
    }

    private FirewallSync Sync(FirewallMode mode = FirewallMode.Published) => new(new AgentOptions
    {
        Root = _root.Path,
        Firewall = new FirewallOptions { Mode = mode, Allow = [new(TransportProtocol.Tcp, 22)] },
        Commands = new CommandOptions
        {
            FirewallLoad = $"ip netns exec {_ns.Name} nft -f -",
            FirewallRead = $"ip netns exec {_ns.Name} nft -j list ruleset",
        },
        Docker = new DockerOptions { Endpoint = new Uri("unix:///nonexistent/ipv6-agent-test.sock") },
    }, new CommandRunner(NullLogger<CommandRunner>.Instance, TimeProvider.System), NullLogger<FirewallSync>.Instance);

    private async Task<NftRuleset> KernelAsync() =>
        NftRuleset.Parse(await _ns.ExecCheckedAsync(["nft", "-j", "list", "ruleset"], TestContext.Current.CancellationToken));

    [Fact]
    public async Task Sync_FreshHostWithoutDocker_LoadsTheClosedRulesOnceAndRecordsThem()
    {
        var first = await Sync().SyncAsync(Cidr, TestContext.Current.CancellationToken);

        Assert.Equal(["firewall-load"], first.Actions);
        Assert.False(first.Firewall.Ok);
        Assert.Contains("Docker does not answer", first.Firewall.Detail);
        Assert.True(first.NoNat.Ok, first.NoNat.Detail);
        var kernel = await KernelAsync();
        Assert.True(kernel.HasTable("ip6", "ipv6_agent"));
        Assert.Empty(kernel.Sets.Single(s => s.Name == "published").Elements);
        Assert.Equal(["tcp . 22"], kernel.Sets.Single(s => s.Name == "allowed").Elements);
        var closed = RulesetRenderer.Table(Cidr, [], [new(TransportProtocol.Tcp, 22)]);
        Assert.Equal(closed, _root.Read(FirewallSync.LoadedPath));
        Assert.Equal(closed, _root.Read(FirewallSync.BootPath));

        // A new process (a second apply): the record and the kernel agree, so nothing is loaded or written.
        var before = _root.Fingerprint();
        var second = await Sync().SyncAsync(Cidr, TestContext.Current.CancellationToken);
        Assert.Empty(second.Actions);
        Assert.Equal(before, _root.Fingerprint());
    }

    [Fact]
    public async Task Sync_TableFlushedBySomeoneElse_IsLoadedAgain()
    {
        await Sync().SyncAsync(Cidr, TestContext.Current.CancellationToken);
        await _ns.ExecCheckedAsync(["nft", "flush", "ruleset"], TestContext.Current.CancellationToken);

        var again = await Sync().SyncAsync(Cidr, TestContext.Current.CancellationToken);

        Assert.Equal(["firewall-load"], again.Actions);
        Assert.True((await KernelAsync()).HasTable("ip6", "ipv6_agent"));
    }

    [Fact]
    public async Task Sync_AfterADockerEvent_TrustsItsRecordAndRunsNoRead_ThePassReadsTheKernel()
    {
        var sync = Sync();
        await sync.SyncAsync(Cidr, TestContext.Current.CancellationToken);
        await _ns.ExecCheckedAsync(["nft", "flush", "ruleset"], TestContext.Current.CancellationToken);

        var onEvent = await sync.SyncAsync(Cidr, TestContext.Current.CancellationToken, readKernel: false);
        var onPass = await sync.SyncAsync(Cidr, TestContext.Current.CancellationToken);

        Assert.Empty(onEvent.Actions);
        Assert.Equal(["firewall-load"], onPass.Actions);
    }

    [Fact]
    public async Task Sync_Docker28Leftovers_RemovedInTheSameTransaction_OthersRulesKept()
    {
        await _ns.ExecCheckedAsync(["sh", "-c", """
            set -e
            ip6tables -t nat -N DOCKER
            ip6tables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
            ip6tables -t nat -A POSTROUTING -s 2001:db8:47b:ca03::8/126 ! -o docker0 -j MASQUERADE
            ip6tables -t nat -A DOCKER -i docker0 -j RETURN
            for c in DOCKER DOCKER-CT DOCKER-FORWARD DOCKER-USER; do ip6tables -N $c; done
            ip6tables -P FORWARD DROP
            ip6tables -A FORWARD -j DOCKER-USER
            ip6tables -A FORWARD -j DOCKER-FORWARD
            ip6tables -A DOCKER ! -i docker0 -o docker0 -j DROP
            ip6tables -A DOCKER-CT -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
            ip6tables -A DOCKER-FORWARD -j DOCKER-CT
            ip6tables -A DOCKER-USER -j RETURN
            ip6tables -A INPUT -p tcp --dport 22 -j ACCEPT
            nft add table inet vpn
            nft add chain inet vpn post '{ type nat hook postrouting priority srcnat; }'
            nft add rule inet vpn post ip6 saddr fd00:ec2:77::/64 oifname ens5 masquerade
            """], TestContext.Current.CancellationToken);
        var dryRun = await Sync().PlanAsync(Cidr, TestContext.Current.CancellationToken);
        Assert.Equal(9, dryRun.StaleRules);
        Assert.Contains("delete rule ip6 nat POSTROUTING handle ", dryRun.Script);
        // The dry run's diff shows the whole transaction, the deletions first.
        var diff = FirewallSync.Changes(dryRun, withDiffs: true)[0].Diff!;
        Assert.Contains("+delete rule ip6 nat POSTROUTING handle ", diff);
        Assert.Contains("+table ip6 ipv6_agent {", diff);
        Assert.True(diff.IndexOf("+delete rule", StringComparison.Ordinal) < diff.IndexOf("+table ip6 ipv6_agent {", StringComparison.Ordinal));

        var outcome = await Sync().SyncAsync(Cidr, TestContext.Current.CancellationToken);

        Assert.True(outcome.NoNat.Ok, outcome.NoNat.Detail);
        var saved = await _ns.ExecCheckedAsync(["ip6tables-save"], TestContext.Current.CancellationToken);
        Assert.DoesNotContain("MASQUERADE", saved);
        Assert.DoesNotContain("DOCKER", saved);
        Assert.Contains(":FORWARD ACCEPT", saved);
        Assert.Contains("-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT", saved);
        Assert.True((await KernelAsync()).HasTable("inet", "vpn"));
        Assert.True(DockerLeftovers.NoNatCheck(await KernelAsync(), Cidr, new HashSet<long>()).Ok);
        Assert.Empty((await Sync().SyncAsync(Cidr, TestContext.Current.CancellationToken)).Actions);
    }

    [Fact]
    public async Task Sync_Open_RemovesTheTableAndItsFiles()
    {
        await Sync().SyncAsync(Cidr, TestContext.Current.CancellationToken);

        var open = await Sync(FirewallMode.Open).SyncAsync(Cidr, TestContext.Current.CancellationToken);

        Assert.Equal(["firewall-load"], open.Actions);
        Assert.True(open.Firewall.Ok);
        Assert.StartsWith("open:", open.Firewall.Detail);
        Assert.False((await KernelAsync()).HasTable("ip6", "ipv6_agent"));
        Assert.Null(_root.Read(FirewallSync.LoadedPath));
        Assert.Null(_root.Read(FirewallSync.BootPath));
        Assert.Empty((await Sync(FirewallMode.Open).SyncAsync(Cidr, TestContext.Current.CancellationToken)).Actions);
    }

    [Fact]
    public async Task Sync_LoadFails_ReportsTheToolsErrorAndRecordsNothing()
    {
        var sync = new FirewallSync(new AgentOptions
        {
            Root = _root.Path,
            Commands = new CommandOptions
            {
                FirewallLoad = "echo 'Error: Could not process rule: Operation not permitted' >&2; exit 1",
                FirewallRead = $"ip netns exec {_ns.Name} nft -j list ruleset",
            },
            Docker = new DockerOptions { Endpoint = new Uri("unix:///nonexistent/ipv6-agent-test.sock") },
        }, new CommandRunner(NullLogger<CommandRunner>.Instance, TimeProvider.System), NullLogger<FirewallSync>.Instance);

        var outcome = await sync.SyncAsync(Cidr, TestContext.Current.CancellationToken);

        Assert.False(outcome.Firewall.Ok);
        Assert.Contains("could not load the rule set", outcome.Firewall.Detail);
        Assert.Contains("Operation not permitted", outcome.Firewall.Detail);
        Assert.Null(_root.Read(FirewallSync.LoadedPath));
    }
}
