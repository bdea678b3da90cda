using System.Net;
using Docker.DotNet.Models;
using Ipv6Agent.Addressing;
using Ipv6Agent.Applying;
using Ipv6Agent.Configuration;
using Ipv6Agent.Engine;
using Ipv6Agent.Planning;
using Ipv6Agent.Reporting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv6Agent.Verifying;

/// <summary>The probe against a real dockerd 20.10 in a namespace, on <c>fixed-cidr-v6: 2001:db8:1::8/126</c>.</summary>
public sealed class DockerProbeTests(DockerEngineFixture engine) : IClassFixture<DockerEngineFixture>
{
    private static NetworkPlan PlanFor(string cidr, string gateway) => new(
        AddressSource.Block, MacAddress.Parse("02:00:00:00:00:01"), "eni-0123456789abcdef0", "ens5", "ens5",
        [], IPAddress.Parse("fe80::1"), IPNetwork.Parse(cidr), IPAddress.Parse(gateway));

    private static readonly NetworkPlan Plan = PlanFor("2001:db8:1::8/126", "2001:db8:1::9");

    private DockerProbe NewProbe(DockerProbeLimits? limits = null) =>
        new(engine.Daemon.Endpoint, engine.Daemon.KernelRoot, NullLogger<DockerProbe>.Instance, TimeProvider.System, limits);

    [Fact]
    public async Task Run_BridgeAsPlanned_AllChecksPassWithTheirDetails()
    {
        var checks = await NewProbe().RunAsync(Plan, new ProbeOptions { Targets = ["2001:db8:1::9"] }, TestContext.Current.CancellationToken);

        Assert.Equal(["docker-bridge", "container-address", "docker-route", "ping 2001:db8:1::9"], checks.Select(c => c.Name));
        Assert.Equal(new CheckReport("docker-bridge", true, "docker0 has 2001:db8:1::9/126"), checks[0]);
        Assert.Equal(new CheckReport("container-address", true, "2001:db8:1::a"), checks[1]);
        Assert.Equal(new CheckReport("docker-route", true, "2001:db8:1::8/126 dev docker0"), checks[2]);
        Assert.True(checks[3].Ok, checks[3].Detail);
        TestContext.Current.TestOutputHelper?.WriteLine(checks[3].Detail);
        // Under a second: the probe waits for docker0's address to leave DAD before pinging, or the replies arrive in a late burst.
        Assert.Matches(@"^[123]/3, \d{1,3}\.\d ms$", checks[3].Detail);
        await AssertNoProbeContainerLeftAsync();
    }

    [Fact]
    public async Task Run_WithWorkMeanwhile_StartsTheContainerAtOnce_PingsOnlyOnceTheWorkIsDone()
    {
        // The firewall's sync, as the reconciler passes it: the container starts while it runs; the pings wait for it, and
        // its failure is the caller's to observe, not a failed check.
        var firewall = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var probing = NewProbe().RunAsync(Plan, new ProbeOptions { Targets = ["2001:db8:1::9"] }, TestContext.Current.CancellationToken,
            pingAfter: firewall.Task);

        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!(await ProbeContainersAsync()).Any(c => c.State == "running"))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), "the probe container did not start while the work ran");
            Assert.False(probing.IsCompleted, "the probe ended before the work was done");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        Assert.False(probing.IsCompleted, "the probe pinged before the work was done");
        firewall.SetException(new InvalidOperationException("the caller observes this"));
        var checks = await probing;

        Assert.All(checks, c => Assert.True(c.Ok, $"{c.Name}: {c.Detail}"));
        await AssertNoProbeContainerLeftAsync();
    }

    [Fact]
    public async Task Run_UnreachableTarget_FailsThatCheckWithAClearDetail()
    {
        var checks = await NewProbe().RunAsync(Plan, new ProbeOptions { Targets = ["2001:db8:dead::1"] }, TestContext.Current.CancellationToken);

        var ping = Assert.Single(checks, c => c.Name == "ping 2001:db8:dead::1");
        TestContext.Current.TestOutputHelper?.WriteLine(ping.Detail);
        Assert.False(ping.Ok);
        Assert.Matches(@"^0/3(, 100% packet loss|: .+)$|^Network is unreachable$", ping.Detail);
        Assert.True(checks.Where(c => c != ping).All(c => c.Ok));
        await AssertNoProbeContainerLeftAsync();
    }

    [Fact]
    public async Task Run_SeveralTargets_PingsThemTogetherWithinOneDeadline()
    {
        // 2001:db8:1::b is on docker0's link but nobody holds it: each run waits out its 1 s after 3 echoes (1.4 s), and
        // 3 runs do not fit in the deadline. One after another, the gateway's turn would come after the deadline; together
        // it answers at once, and the checks keep the order of the targets.
        var limits = new DockerProbeLimits { PingDeadline = TimeSpan.FromSeconds(3.5), PingAttempts = 3 };

        var checks = await NewProbe(limits).RunAsync(Plan, new ProbeOptions { Targets = ["2001:db8:1::b", "2001:db8:1::9"] },
            TestContext.Current.CancellationToken);

        Assert.Equal(["ping 2001:db8:1::b", "ping 2001:db8:1::9"], checks.Skip(3).Select(c => c.Name));
        Assert.Equal(new CheckReport("ping 2001:db8:1::b", false, "0/3, 100% packet loss"), checks[3]);
        Assert.True(checks[4].Ok, checks[4].Detail);
        Assert.Matches(@"^[123]/3, \d{1,3}\.\d ms$", checks[4].Detail);
        await AssertNoProbeContainerLeftAsync();
    }

    [Fact]
    public async Task Run_PlanDisagreesWithDocker_BridgeAddressAndRouteFail()
    {
        var checks = await NewProbe().RunAsync(PlanFor("2001:db8:2::8/126", "2001:db8:2::9"), new ProbeOptions(),
            TestContext.Current.CancellationToken);

        Assert.Equal(
            [
                new CheckReport("docker-bridge", false, "docker0 has 2001:db8:1::9/126, expected 2001:db8:2::9/126"),
                new CheckReport("container-address", false, "2001:db8:1::a is outside the Docker CIDR 2001:db8:2::8/126"),
                new CheckReport("docker-route", false, "the kernel has no route for 2001:db8:2::8/126 (is docker0 up?)"),
            ],
            checks);
    }

    [Fact]
    public async Task Run_ImageMissingAndUnpullable_IsAFailedCheckNotAnException()
    {
        var checks = await NewProbe(new DockerProbeLimits { Pull = TimeSpan.FromSeconds(20) }).RunAsync(
            Plan, new ProbeOptions { Image = "vf-missing/probe:none", Targets = ["2001:db8:1::9"] }, TestContext.Current.CancellationToken);

        var address = Assert.Single(checks, c => c.Name == "container-address");
        TestContext.Current.TestOutputHelper?.WriteLine(address.Detail);
        Assert.False(address.Ok);
        Assert.StartsWith("probe image vf-missing/probe:none is missing and could not be pulled: ", address.Detail);
        var ping = Assert.Single(checks, c => c.Name == "ping 2001:db8:1::9");
        Assert.Equal($"no probe container: {address.Detail}", ping.Detail);
        await AssertNoProbeContainerLeftAsync();
    }

    [Fact]
    public async Task Run_CancelledWhileTheContainerRuns_RemovesItAndThrows()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var run = NewProbe().RunAsync(Plan, new ProbeOptions { Targets = ["2001:db8:dead::1"] }, cts.Token);
        for (var i = 0; i < 200 && (await ProbeContainersAsync()).Count == 0; i++) await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Single(await ProbeContainersAsync());

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        await AssertNoProbeContainerLeftAsync();
    }

    [Fact]
    public async Task Run_EngineNotAnswering_EveryDockerCheckFailsWithTheReason()
    {
        var probe = new DockerProbe(new Uri("unix:///tmp/vf-no-such-engine.sock"), engine.Daemon.KernelRoot,
            NullLogger<DockerProbe>.Instance, TimeProvider.System);

        var checks = await probe.RunAsync(Plan, new ProbeOptions { Targets = ["2001:db8:1::9"] }, TestContext.Current.CancellationToken);

        var address = Assert.Single(checks, c => c.Name == "container-address");
        Assert.StartsWith("the Docker engine at unix:///tmp/vf-no-such-engine.sock does not answer: ", address.Detail);
        Assert.False(checks.Single(c => c.Name.StartsWith("ping ", StringComparison.Ordinal)).Ok);
    }

    [Fact]
    public async Task Connect_Engine2010_NegotiatesApi141()
    {
        using var session = await DockerConnection.ConnectAsync(engine.Daemon.Endpoint, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(new System.Version(1, 41), session.ApiVersion);
        Assert.StartsWith("20.10.", session.EngineVersion);
        // A versioned call on the pinned client works (an unsupported version would be refused with 400).
        var info = await session.Client.System.GetSystemInfoAsync(TestContext.Current.CancellationToken);
        Assert.Equal("vfs", info.Driver);
    }

    [Fact]
    public async Task WaitForEngine_AfterRestart_ReportsReady()
    {
        var restart = engine.Daemon.RestartAsync(TestContext.Current.CancellationToken);
        var waiter = new EngineWaiter(NullLogger<EngineWaiter>.Instance, TimeProvider.System);

        var readiness = await waiter.WaitAsync(engine.Daemon.Endpoint, TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        await restart;

        Assert.True(readiness.Ready, readiness.Detail);
        Assert.Equal(new System.Version(1, 41), readiness.ApiVersion);
        // The restarted engine still probes as planned (kernel root relinked to the new pid).
        var checks = await NewProbe().RunAsync(Plan, new ProbeOptions(), TestContext.Current.CancellationToken);
        Assert.All(checks, c => Assert.True(c.Ok, $"{c.Name}: {c.Detail}"));
    }

    [Fact]
    public async Task WaitForEngine_NoEngine_GivesUpInTimeWithTheReason()
    {
        var waiter = new EngineWaiter(NullLogger<EngineWaiter>.Instance, TimeProvider.System);

        var readiness = await waiter.WaitAsync(new Uri("unix:///tmp/vf-no-such-engine.sock"), TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);

        Assert.False(readiness.Ready);
        Assert.StartsWith("the Docker engine at unix:///tmp/vf-no-such-engine.sock did not answer within 2 s: ", readiness.Detail);
    }

    /// <summary>The probe kills its container and the engine removes it (AutoRemove), a moment after the probe returned.</summary>
    private async Task AssertNoProbeContainerLeftAsync()
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        IList<ContainerListResponse> left;
        while ((left = await ProbeContainersAsync()).Count > 0 && waited.Elapsed < TimeSpan.FromSeconds(15)) await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Empty(left);
    }

    private async Task<IList<ContainerListResponse>> ProbeContainersAsync()
    {
        using var session = await DockerConnection.ConnectAsync(engine.Daemon.Endpoint, TimeSpan.FromSeconds(10), CancellationToken.None);
        return await session.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{DockerProbe.ProbeLabel}=true"] = true } },
        }, CancellationToken.None);
    }
}
