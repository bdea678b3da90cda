using Ipv6Agent.Rendering;
using Ipv6Agent.Reporting;
using Ipv6Agent.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Ipv6Agent.Verifying;

/// <summary>
/// docker0 and its route as the kernel's tables say, for the blog's plan (CIDR 2001:db8:47b:ca03::8/126, gateway ::9).
/// The tables are written in the kernel's own format under a test root; the real kernel's are covered by DockerProbeTests.
/// </summary>
public sealed class BridgeKernelChecksTests : IDisposable
{
    private const string Gateway = "20010db8047bca030000000000000009";
    private readonly TempRoot _root = new();

    public void Dispose() => _root.Dispose();

    private BridgeKernelChecks Checks(TimeProvider? time = null) =>
        new(_root.Path, time ?? TimeProvider.System, TimeSpan.FromSeconds(5));

    /// <summary>One <c>/proc/net/if_inet6</c> line: address, ifindex, prefix length, scope, flags (all hex), device.</summary>
    private static string Address(string hex, int length, int flags, string device = "docker0") =>
        $"{hex} 05 {length:x2} 00 {flags:x2} {device,8}\n";

    /// <summary>One <c>/proc/net/ipv6_route</c> line for a connected route.</summary>
    private static string Route(string hex, int length, string device) =>
        $"{hex} {length:x2} 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001 {device,8}\n";

    private static readonly string LinkLocal = Address("fe800000000000000042acfffe110002", 64, 0x80);

    [Fact]
    public async Task Bridge_GatewayHeld_Ok()
    {
        _root.With("/proc/net/if_inet6", LinkLocal + Address(Gateway, 126, 0x80));
        Assert.Equal(new CheckReport("docker-bridge", true, "docker0 has 2001:db8:47b:ca03::9/126"), await Checks().BridgeAsync(BlogPlan.Create(), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Bridge_OtherAddressOrLength_SaysWhatItHas()
    {
        _root.With("/proc/net/if_inet6", LinkLocal + Address("20010db8000200000000000000000009", 126, 0x80));
        Assert.Equal(new CheckReport("docker-bridge", false, "docker0 has 2001:db8:2::9/126, expected 2001:db8:47b:ca03::9/126"),
            await Checks().BridgeAsync(BlogPlan.Create(), TestContext.Current.CancellationToken));
        _root.With("/proc/net/if_inet6", Address(Gateway, 64, 0x80));
        Assert.Equal(new CheckReport("docker-bridge", false, "docker0 has 2001:db8:47b:ca03::9/64, expected 2001:db8:47b:ca03::9/126"),
            await Checks().BridgeAsync(BlogPlan.Create(), TestContext.Current.CancellationToken));
        _root.With("/proc/net/if_inet6", LinkLocal + Address(Gateway, 126, 0x80, "ens5"));
        Assert.Equal(new CheckReport("docker-bridge", false, "docker0 has no global IPv6 address, expected 2001:db8:47b:ca03::9/126"),
            await Checks().BridgeAsync(BlogPlan.Create(), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Bridge_DadFailed_IsAnotherHostsAddress()
    {
        _root.With("/proc/net/if_inet6", Address(Gateway, 126, 0x88));
        var check = await Checks().BridgeAsync(BlogPlan.Create(), TestContext.Current.CancellationToken);
        Assert.False(check.Ok);
        Assert.Contains("failed duplicate address detection", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bridge_TentativeUntilDadEnds_WaitsThenOk()
    {
        _root.With("/proc/net/if_inet6", Address(Gateway, 126, 0xc0));
        var time = new FakeTimeProvider();
        var checking = Checks(time).BridgeAsync(BlogPlan.Create(), TestContext.Current.CancellationToken);
        await AdvanceAsync(time, TimeSpan.FromSeconds(1), checking);
        Assert.False(checking.IsCompleted);
        _root.With("/proc/net/if_inet6", Address(Gateway, 126, 0x80));
        await AdvanceAsync(time, TimeSpan.FromSeconds(10), checking);
        Assert.Equal(new CheckReport("docker-bridge", true, "docker0 has 2001:db8:47b:ca03::9/126"), await checking);
    }

    [Fact]
    public async Task Bridge_TentativePastTheWait_ReportsIt()
    {
        _root.With("/proc/net/if_inet6", Address(Gateway, 126, 0xc0));
        var time = new FakeTimeProvider();
        var checking = Checks(time).BridgeAsync(BlogPlan.Create(), TestContext.Current.CancellationToken);
        await AdvanceAsync(time, TimeSpan.FromSeconds(4.9), checking);
        Assert.False(checking.IsCompleted);
        await AdvanceAsync(time, TimeSpan.FromSeconds(10), checking);
        Assert.Equal(new CheckReport("docker-bridge", false, "docker0's 2001:db8:47b:ca03::9/126 is still tentative (duplicate address detection)"),
            await checking);
    }

    /// <summary>Fake time forward in poll-sized steps, letting each poll's continuation run (and register its next delay) in between.</summary>
    private static async Task AdvanceAsync(FakeTimeProvider time, TimeSpan by, Task until)
    {
        for (var step = TimeSpan.Zero; step < by && !until.IsCompleted; step += TimeSpan.FromMilliseconds(50))
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Bridge_NoTable_IsAFailedCheckNotAnException()
    {
        var check = await Checks().BridgeAsync(BlogPlan.Create(), TestContext.Current.CancellationToken);
        Assert.False(check.Ok);
        Assert.StartsWith("cannot read /proc/net/if_inet6", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_CidrOnDocker0_Ok()
    {
        _root.With("/proc/net/ipv6_route", Route("20010db8047bca030000000000000008", 126, "docker0") + Route("20010db8047bca030000000000000000", 64, "ens5"));
        Assert.Equal(new CheckReport("docker-route", true, "2001:db8:47b:ca03::8/126 dev docker0"), Checks().Route(BlogPlan.Create()));
    }

    [Fact]
    public void Route_PartOfTheCidrElsewhere_Fails()
    {
        _root.With("/proc/net/ipv6_route", Route("20010db8047bca030000000000000008", 126, "docker0") + Route("20010db8047bca03000000000000000a", 128, "ens5"));
        Assert.Equal(new CheckReport("docker-route", false, "2001:db8:47b:ca03::a/128 goes to ens5; only docker0 may hold the Docker CIDR 2001:db8:47b:ca03::8/126"),
            Checks().Route(BlogPlan.Create()));
    }

    [Fact]
    public void Route_None_AsksWhetherDocker0IsUp()
    {
        _root.With("/proc/net/ipv6_route", Route("20010db8047bca030000000000000000", 64, "ens5"));
        Assert.Equal(new CheckReport("docker-route", false, "the kernel has no route for 2001:db8:47b:ca03::8/126 (is docker0 up?)"), Checks().Route(BlogPlan.Create()));
    }
}
