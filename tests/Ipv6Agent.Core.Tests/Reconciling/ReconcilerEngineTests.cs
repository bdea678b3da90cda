using Docker.DotNet.Models;
using Ipv6Agent.Applying;
using Ipv6Agent.Configuration;
using Ipv6Agent.Engine;
using Ipv6Agent.Reporting;
using Ipv6Agent.Verifying;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv6Agent.Reconciling;

/// <summary>
/// Whole passes against a real dockerd 20.10 after one that left the host converged: the probe's container starts before
/// the pass reads IMDS, and is ended, not leaked, whichever way the pass goes.
/// </summary>
public sealed class ReconcilerEngineTests(DockerEngineFixture engine) : IClassFixture<DockerEngineFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// The pass finds daemon.json to change after all: the early container goes, the engine still counts as idle (the probe's
    /// own containers do not count), so Docker restarts beside netplan apply; the checks then use a container of their own.
    /// </summary>
    [Fact]
    public async Task Reconcile_AfterAConvergedPass_DockerRestartsAfterAll_EndsTheEarlyContainerAndStillRestartsEarly()
    {
        await using var host = await ApplierHost.StartBlogAsync();
        var options = Options(host);
        new StatusStore(options, NullLogger<StatusStore>.Instance).Write(new Report { Time = DateTimeOffset.UtcNow, Result = ReportResult.Ok });

        var report = await host.Reconciler(options).ReconcileAsync(dryRun: false, Ct);

        Assert.Null(report.Error);
        Assert.Contains(HostApplier.DockerRestart, report.Actions);
        // The restart was logged while netplan apply waited for it (see Options): it started beside netplan apply.
        Assert.StartsWith("docker-restart ", host.Runs[0]);
        Assert.Contains(report.Checks, c => c.Name == "container-address");
        await AssertNoProbeContainerLeftAsync();
    }

    /// <summary>The pass is refused (IMDS has no such interface): the container started ahead of it is ended all the same.</summary>
    [Fact]
    public async Task Reconcile_AfterAConvergedPass_PassRefused_EndsTheEarlyContainer()
    {
        await using var host = await ApplierHost.StartBlogAsync();
        var options = Options(host) with { Interface = Addressing.MacAddress.Parse("02:00:00:00:00:99") };
        new StatusStore(options, NullLogger<StatusStore>.Instance).Write(new Report { Time = DateTimeOffset.UtcNow, Result = ReportResult.Degraded });

        var report = await host.Reconciler(options).ReconcileAsync(dryRun: false, Ct);

        Assert.Equal(ReportResult.Failed, report.Result);
        await AssertNoProbeContainerLeftAsync();
    }

    private AgentOptions Options(ApplierHost host)
    {
        var netplanApply = $"for i in $(seq 100); do grep -q docker-restart {host.LogPath} 2>/dev/null && break; sleep 0.1; done; {host.NetplanLogs}";
        return host.Options(netplanApply) with { Docker = new DockerOptions { Endpoint = engine.Daemon.Endpoint } };
    }

    /// <summary>The engine removes an ended probe (AutoRemove) a moment after the pass: wait for it, bounded.</summary>
    private async Task AssertNoProbeContainerLeftAsync()
    {
        using var session = await DockerConnection.ConnectAsync(engine.Daemon.Endpoint, TimeSpan.FromSeconds(10), Ct);
        IList<ContainerListResponse> left = [];
        for (var i = 0; i < 150; i++)
        {
            left = await session.Client.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{DockerProbe.ProbeLabel}=true"] = true } },
            }, Ct);
            if (left.Count == 0) return;
            await Task.Delay(100, Ct);
        }

        Assert.Fail($"probe containers left: {string.Join(", ", left.SelectMany(c => c.Names))}");
    }
}
