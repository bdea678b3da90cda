using System.Diagnostics;
using System.Net;
using Ipv6Agent.Addressing;
using Ipv6Agent.Planning;
using Ipv6Agent.Testing.Docker;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv6Agent.Verifying;

/// <summary>A host namespace whose <c>ens5</c> is a veth to a router namespace holding the link-local gateway <c>fe80::1</c>.</summary>
public sealed class GatewayLinkFixture : IAsyncLifetime
{
    public NetworkNamespace Host { get; private set; } = null!;
    public NetworkNamespace Router { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Host = await NetworkNamespace.CreateAsync("vf-cch");
        Router = await NetworkNamespace.CreateAsync("vf-ccr");
        await Host.ExecCheckedAsync(["ip", "link", "add", "ens5", "type", "veth", "peer", "name", "gw0", "netns", Router.Name]);
        await Router.ExecCheckedAsync(["ip", "addr", "add", "fe80::1/64", "dev", "gw0", "nodad"]);
        await Router.ExecCheckedAsync(["ip", "link", "set", "gw0", "up"]);
        // ens5's own link-local address would be tentative (DAD) for a second or more after "up", and a ping from a
        // tentative source fails: the tests' short bounds are about the check, not about DAD on a loaded machine.
        await Host.ExecCheckedAsync(["sysctl", "-qw", "net.ipv6.conf.ens5.accept_dad=0"]);
        await Host.ExecCheckedAsync(["ip", "link", "set", "ens5", "up"]);
        for (var i = 0; i < 100; i++)
        {
            var ping = await Host.ExecAsync(["ping", "-6", "-c", "1", "-W", "1", "fe80::1%ens5"]);
            if (ping.ExitCode == 0) return;
            await Task.Delay(100);
        }
        throw new InvalidOperationException("the test link's gateway fe80::1 never answered");
    }

    public async ValueTask DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
        if (Router is not null) await Router.DisposeAsync();
    }
}

public sealed class ConnectivityCheckTests(GatewayLinkFixture link) : IClassFixture<GatewayLinkFixture>
{
    private static NetworkPlan PlanWithGateway(string gateway) => new(
        AddressSource.Block, MacAddress.Parse("02:00:00:00:00:01"), "eni-0123456789abcdef0", "ens5", "ens5",
        [], IPAddress.Parse(gateway), IPNetwork.Parse("2001:db8:1::8/126"), IPAddress.Parse("2001:db8:1::9"));

    /// <summary>The check as the agent runs it, its echo sent from the test host namespace (the agent runs inside its own).</summary>
    private ConnectivityCheck NewCheck(bool withoutNetRaw = false) => new(
        new Icmpv6Echo(open => NamespaceThread.Run(link.Host.Path, open, withoutNetRaw)), NullLogger<ConnectivityCheck>.Instance,
        TimeProvider.System);

    [Fact]
    public async Task Run_GatewayAndImdsAnswer_IsOk()
    {
        var result = await NewCheck().RunAsync(PlanWithGateway("fe80::1"), _ => Task.FromResult(true), TimeSpan.FromSeconds(20),
            TestContext.Current.CancellationToken);

        Assert.True(result.Ok, result.Detail);
        Assert.Matches(@"^gateway fe80::1%ens5 answered after \d+\.\d s, IMDS after \d+\.\d s$", result.Detail);
    }

    [Fact]
    public async Task Run_GatewaySilent_FailsWithinTheBound()
    {
        var watch = Stopwatch.StartNew();

        var result = await NewCheck().RunAsync(PlanWithGateway("fe80::dead"), _ => Task.FromResult(true), TimeSpan.FromSeconds(3),
            TestContext.Current.CancellationToken);

        TestContext.Current.TestOutputHelper?.WriteLine(result.Detail);
        Assert.False(result.Ok);
        Assert.StartsWith("gateway fe80::dead%ens5 did not answer ping within 3 s (", result.Detail);
        Assert.DoesNotContain("IMDS", result.Detail);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Run_ImdsFailing_SaysWhy()
    {
        var result = await NewCheck().RunAsync(PlanWithGateway("fe80::1"),
            _ => throw new HttpRequestException("Connection refused (169.254.169.254:80)"), TimeSpan.FromSeconds(2),
            TestContext.Current.CancellationToken);

        Assert.False(result.Ok);
        Assert.Equal("IMDS did not answer within 2 s (Connection refused (169.254.169.254:80))", result.Detail);
    }

    [Fact]
    public async Task Run_ImdsHangs_EachAttemptIsBounded()
    {
        var result = await NewCheck().RunAsync(PlanWithGateway("fe80::1"),
            async ct => { await Task.Delay(Timeout.Infinite, ct); return true; }, TimeSpan.FromSeconds(2),
            TestContext.Current.CancellationToken);

        Assert.False(result.Ok);
        Assert.Equal("IMDS did not answer within 2 s (no answer within 3 s)", result.Detail);
    }

    [Fact]
    public async Task Run_BadInterfaceName_IsRefusedNotRun()
    {
        var plan = PlanWithGateway("fe80::1") with { InterfaceName = "ens5; reboot" };

        var result = await NewCheck().RunAsync(plan, _ => Task.FromResult(true), TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);

        Assert.Equal(new ConnectivityResult(false, "interface name 'ens5; reboot' is not a kernel interface name"), result);
    }

    [Fact]
    public async Task Run_NoCapNetRaw_SaysItCouldNotCheckNotThatTheGatewayIsSilent()
    {
        var result = await NewCheck(withoutNetRaw: true).RunAsync(PlanWithGateway("fe80::1"), _ => Task.FromResult(true),
            TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        Assert.False(result.Ok);
        Assert.StartsWith("the agent could not check gateway fe80::1%ens5: could not open an ICMPv6 socket: ", result.Detail);
        Assert.EndsWith("the agent needs CAP_NET_RAW (it runs as root in ipv6-agent.service)", result.Detail);
        Assert.DoesNotContain("did not answer", result.Detail);
    }

    [Fact]
    public async Task Run_InterfaceMissing_SaysSo()
    {
        var plan = PlanWithGateway("fe80::1") with { InterfaceName = "ens9" };

        var result = await NewCheck().RunAsync(plan, _ => Task.FromResult(true), TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);

        Assert.False(result.Ok);
        Assert.Equal("gateway fe80::1%ens9 did not answer ping within 2 s (interface ens9 does not exist (No such device))", result.Detail);
    }
}
