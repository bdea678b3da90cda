using System.Text.Json.Nodes;
using Ipv6Agent.Applying;
using Ipv6Agent.Imds;
using Ipv6Agent.Reporting;
using Ipv6Agent.Testing.Imds;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv6Agent.Reconciling;

/// <summary>
/// Whole passes on a temp root with a real fake IMDS and real commands: every pass ends in a report, written to the status file
/// unless it is a dry run, whatever stopped it (a refusal, a rollback, a stop request, a bug).
/// </summary>
public sealed class ReconcilerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Issue 8 item 1.</summary>
    [Fact]
    public async Task Reconcile_DryRunRefused_IsStillADryRunAndWritesNoStatus()
    {
        var oneAddress = FakeInstances.Blog with { Enis = [FakeInstances.Blog.Enis[0] with { Ipv6s = ["2001:db8:47b:ca03::1:1"] }] };
        await using var host = await ApplierHost.StartBlogAsync(oneAddress);

        var report = await host.Reconciler(host.Options()).ReconcileAsync(dryRun: true, Ct);

        Assert.Equal(ReportResult.Failed, report.Result);
        Assert.Contains("aws ec2 assign-ipv6-addresses", report.Error);
        Assert.True(report.DryRun);
        Assert.Null(host.Read(StatusFile.HostPath));
    }

    /// <summary>
    /// Issue 8 item 3: something throws what nobody expected (here the HTTP stack, as it does for a header it refuses). The
    /// pass is still a failed report, and it replaces the previous, ok one in the status file.
    /// </summary>
    [Fact]
    public async Task Reconcile_UnexpectedException_ReportsAnInternalErrorAndWritesStatus()
    {
        await using var host = await ApplierHost.StartBlogAsync();
        host.Root.Put(StatusFile.HostPath, "{\"schema\": 1, \"time\": \"2026-11-27T20:00:00Z\", \"result\": \"ok\"}\n");
        var options = host.Options();
        using var imds = new ImdsClient(options.Imds.Candidates, TimeProvider.System, NullLogger<ImdsClient>.Instance,
            new RefusesMetadataReads(new SocketsHttpHandler()));

        var report = await host.Reconciler(options, imds).ReconcileAsync(dryRun: false, Ct);

        Assert.Equal(ReportResult.Failed, report.Result);
        Assert.StartsWith("internal error: InvalidOperationException: The header value contains a line break", report.Error);
        var status = JsonNode.Parse(host.Read(StatusFile.HostPath)!)!;
        Assert.Equal("failed", (string?)status["result"]);
        Assert.Equal(report.Error, (string?)status["error"]);
    }

    /// <summary>Issue 8 item 3: a stop request (Ctrl-C, SIGTERM) is a report too, not an exception.</summary>
    [Fact]
    public async Task Reconcile_StopRequestedBeforeAnyChange_ReportsInterruptedAndWritesStatus()
    {
        await using var host = await ApplierHost.StartBlogAsync();
        using var stopped = new CancellationTokenSource();
        await stopped.CancelAsync();

        var report = await host.Reconciler(host.Options()).ReconcileAsync(dryRun: false, stopped.Token);

        Assert.Equal(ReportResult.Failed, report.Result);
        Assert.Equal(ExitCodes.Failed, report.ExitCode);
        Assert.Equal("interrupted: the pass was asked to stop before it changed anything", report.Error);
        Assert.Equal("failed", (string?)JsonNode.Parse(host.Read(StatusFile.HostPath)!)!["result"]);
        Assert.Empty(host.Runs);
    }

    [Fact]
    public async Task Reconcile_NetplanApplyFails_ReportsTheRollbackAndLeavesEveryFileAsItWas()
    {
        await using var host = await ApplierHost.StartBlogAsync();
        var before = Files(host);

        var report = await host.Reconciler(host.Options(netplanApply: host.NetplanLogs + "; exit 1")).ReconcileAsync(dryRun: false, Ct);

        Assert.Equal(ReportResult.Failed, report.Result);
        Assert.StartsWith("After the netplan change, netplan-apply (", report.Error);
        Assert.Equal([HostApplier.NetplanApply], report.Actions);
        Assert.Contains(report.Changes, c => c is { Path: "/etc/netplan/60-ipv6-agent.yaml", Action: ChangeAction.Create });
        Assert.Equal(2, host.Runs.Count(r => r.StartsWith("netplan-apply ", StringComparison.Ordinal)));
        Assert.Equal("netplan-apply absent", host.Runs[^1]);
        Assert.Equal(before, Files(host));
        Assert.Equal("failed", (string?)JsonNode.Parse(host.Read(StatusFile.HostPath)!)!["result"]);
    }

    /// <summary>Issue 8 items 3 and 6 through a whole pass: stopped while netplan apply runs, the report says what is left.</summary>
    [Fact]
    public async Task Reconcile_StopRequestedDuringNetplanApply_ReportsInterruptedWithTheJournalLeft()
    {
        await using var host = await ApplierHost.StartBlogAsync();
        using var stop = new CancellationTokenSource();
        var started = Path.Join(host.Root.Path, "netplan-started");
        var stopWhenStarted = Task.Run(async () =>
        {
            while (!File.Exists(started)) await Task.Delay(20, Ct);
            await stop.CancelAsync();
        }, Ct);

        var report = await host.Reconciler(host.Options(netplanApply: $"touch {started}; sleep 1; " + host.NetplanLogs))
            .ReconcileAsync(dryRun: false, stop.Token);
        await stopWhenStarted;

        Assert.Equal(ReportResult.Failed, report.Result);
        // The netplan file only (cloud-init's file lists no Docker address here): it stopped before sysctl, apt and daemon.json.
        Assert.Equal(
            "interrupted: the pass was asked to stop after it had written 1 file(s) and ran netplan-apply; " +
            "the next pass (the service's, or ipv6-agent apply) puts them back first (/var/lib/ipv6-agent/interrupted-pass.json)",
            report.Error);
        Assert.Equal(ApplierHost.OldSources + "\n", host.Read(ApplierHost.Sources));
        Assert.Equal([HostApplier.NetplanApply], report.Actions);
        Assert.Single(host.Runs, r => r.StartsWith("netplan-apply ", StringComparison.Ordinal));
        Assert.True(host.HasJournal);
        Assert.Equal(report.Error, (string?)JsonNode.Parse(host.Read(StatusFile.HostPath)!)!["error"]);
    }

    /// <summary>The host's files that a pass may change (not the agent's own state under /run and /var/lib).</summary>
    private static Dictionary<string, string> Files(ApplierHost host) =>
        Directory.EnumerateFiles(Path.Join(host.Root.Path, "etc"), "*", SearchOption.AllDirectories)
            .ToDictionary(p => p, File.ReadAllText);

    /// <summary>Gets the token from the real fake IMDS, then refuses every read as HttpClient refuses a header it cannot send.</summary>
    private sealed class RefusesMetadataReads(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            request.Method == HttpMethod.Get
                ? throw new InvalidOperationException("The header value contains a line break.")
                : base.SendAsync(request, cancellationToken);
    }
}
