using Ipv6Agent.Applying;
using Ipv6Agent.Configuration;
using Ipv6Agent.Engine;
using Ipv6Agent.Firewall;
using Ipv6Agent.Inspecting;
using Ipv6Agent.Imds;
using Ipv6Agent.Planning;
using Ipv6Agent.Provisioning;
using Ipv6Agent.Rendering;
using Ipv6Agent.Rendering.Apt;
using Ipv6Agent.Reporting;
using Ipv6Agent.Verifying;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Reconciling;

/// <summary>
/// One pass of the pipeline: (undo a killed pass) → IMDS → host snapshot → plan → desired files → apply → verify → report.
/// Everything up to the desired files is pure; a dry run is the same pass without the last three steps.
/// Every pass ends in a report, also written to the status file: an expected failure becomes <c>failed</c> with a sentence
/// for a person, a stop request (Ctrl-C, SIGTERM) <c>failed</c> with what the host is left with, and a bug <c>failed</c>
/// with "internal error: …". None of them is an exception.
/// </summary>
internal sealed partial class Reconciler(
    AgentOptions options,
    ImdsClient imds,
    DockerVersionReader docker,
    MirrorCheck mirrors,
    HostApplier applier,
    DockerProbe probe,
    FirewallSync firewall,
    StatusStore status,
    TimeProvider time,
    ILogger<Reconciler> logger,
    PrefixProvisioner? provisioner = null)
{
    /// <summary>How long a pass waits for another one (the service's, or a manual apply) to finish.</summary>
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(60);

    public async Task<Report> ReconcileAsync(bool dryRun, CancellationToken cancellationToken)
    {
        // Every path, failures included, reports what kind of pass it was.
        var report = await PassAsync(dryRun, cancellationToken) with { DryRun = dryRun };
        LogPassFinished(logger, report.Result.ToString().ToLowerInvariant(), report.Changes.Count(c => c.Action != ChangeAction.Unchanged),
            report.Actions.Count, report.Checks.Count(c => !c.Ok));
        if (!dryRun) status.Write(report);
        return report;
    }

    private async Task<Report> PassAsync(bool dryRun, CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        ImdsSnapshot? snapshot = null;
        NetworkPlan? plan = null;
        IReadOnlyList<string> recovered = [];
        ProvisionOutcome? provision = null;
        var applied = false;
        try
        {
            using var passLock = dryRun ? null : await ReconcileLock.AcquireAsync(options.Root, LockWait, time, cancellationToken);
            if (dryRun)
            {
                if (applier.HasInterruptedPass) LogDryRunAfterInterruptedPass(logger);
            }
            else
            {
                recovered = await applier.RecoverInterruptedPassAsync(cancellationToken);
            }

            snapshot = await imds.ReadSnapshotAsync(options.Interface, cancellationToken);
            // provision: prefix (issue 12): a delegated prefix from EC2 first, when the ENI has none; under the lock, so two
            // passes never both ask. Its failure is not the pass's: the plan then goes without the prefix.
            var provisioned = provisioner is null ? ProvisionOutcome.Nothing(snapshot) : await provisioner.EnsureAsync(snapshot, dryRun, cancellationToken);
            provision = provisioned;
            snapshot = provisioned.Snapshot;
            var dockerVersion = await docker.TryGetVersionAsync(cancellationToken);
            var host = HostInspector.Read(options, dockerVersion);
            try
            {
                plan = Planner.Plan(snapshot, host, options.Addressing);
            }
            catch (PlanningException e)
            {
                throw new PlanningException(provisioned.Explain(e.Message));
            }
            LogPlan(plan);
            var fixMirrors = await mirrors.ShouldFixMirrorsAsync(snapshot.Region, host, cancellationToken);
            var edits = DesiredState.Build(plan, host, new DesiredStateOptions(fixMirrors, dockerVersion));

            if (dryRun)
            {
                var wouldLoad = await firewall.PlanAsync(plan.DockerCidr, cancellationToken);
                return new Report
                {
                    Time = started,
                    Result = ReportResult.Ok,
                    DryRun = true,
                    Instance = ReportBuilder.Instance(snapshot, plan),
                    Plan = ReportBuilder.Plan(plan),
                    Changes = [.. ReportBuilder.Changes(edits, withDiffs: true), .. FirewallSync.Changes(wouldLoad, withDiffs: true)],
                    Actions = [.. provisioned.Actions, .. HostApplier.ActionsFor(edits), .. wouldLoad.Script is null ? [] : new[] { "firewall-load" }],
                };
            }

            var outcome = await applier.ApplyAsync(plan, edits, cancellationToken);
            if (outcome is { Interrupted: true, Error: { } interrupted })
            {
                LogPassInterrupted(logger, interrupted);
                return Failed(started, interrupted, snapshot, plan) with
                {
                    Changes = ReportBuilder.Changes(edits, withDiffs: false),
                    Actions = [.. recovered, .. provisioned.Actions, .. outcome.Actions],
                    Checks = provisioned.Checks,
                };
            }

            if (outcome.Error is { } applyError)
            {
                LogApplyFailed(logger, applyError);
                return Failed(started, applyError, snapshot, plan) with
                {
                    Changes = ReportBuilder.Changes(edits, withDiffs: false),
                    Actions = [.. recovered, .. provisioned.Actions, .. outcome.Actions],
                    Checks = provisioned.Checks,
                };
            }

            applied = true;
            // After Docker's restart (if any): stale NAT66 goes, and the containers are closed but for what they publish. The probe
            // starts its container meanwhile and pings once the rules are in force; WhenAll waits for both, failed or not.
            var syncing = firewall.SyncAsync(plan.DockerCidr, cancellationToken);
            var probing = probe.RunAsync(plan, options.Probe, cancellationToken, pingAfter: syncing);
            await Task.WhenAll(syncing, probing);
            var rules = await syncing;
            var checks = (await probing)
                .Append(HostAddressCheck.Run(plan, HostInspector.Addresses(options)))
                .Append(rules.Firewall)
                .Append(rules.NoNat)
                .Concat(provisioned.Checks)
                .ToList();
            return new Report
            {
                Time = started,
                Result = checks.All(c => c.Ok) ? ReportResult.Ok : ReportResult.Degraded,
                Instance = ReportBuilder.Instance(snapshot, plan),
                Plan = ReportBuilder.Plan(plan),
                Changes = [.. ReportBuilder.Changes(edits, withDiffs: false), .. FirewallSync.Changes(rules.Plan, withDiffs: false)],
                Actions = [.. recovered, .. provisioned.Actions, .. outcome.Actions, .. rules.Actions],
                Checks = checks,
            };
        }
        catch (Exception e) when (e is ImdsException or PlanningException or RenderingException or ApplyException)
        {
            LogPassRefused(logger, e.Message);
            return Failed(started, e.Message, snapshot, plan) with { Actions = [.. recovered, .. provision?.Actions ?? []], Checks = provision?.Checks ?? [] };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogPassRefused(logger, e.Message);
            return Failed(started, $"cannot read or write a file: {e.Message}", snapshot, plan) with { Actions = recovered };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Outside applying (which reports its own stop): waiting for the lock, putting back a killed pass, reading IMDS, probing.
            var error = applied
                ? "interrupted: the pass was asked to stop after it applied every change, before its checks finished; the next pass checks again"
                : applier.HasInterruptedPass && !dryRun
                    ? $"interrupted: the pass was asked to stop while putting back an interrupted pass; the next pass finishes that first ({PassJournal.HostPath})"
                    : "interrupted: the pass was asked to stop before it changed anything";
            LogPassInterrupted(logger, error);
            return Failed(started, error, snapshot, plan) with { Actions = recovered };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug. The service and apply must still end the pass with a report, so status does not show an older one.
            LogPassCrashed(logger, e);
            return Failed(started, $"internal error: {e.GetType().Name}: {e.Message}", snapshot, plan) with { Actions = recovered };
        }
    }

    /// <summary>Info when the plan differs from the previous pass's (IMDS gave the ENI a new address or prefix), else debug.</summary>
    private void LogPlan(NetworkPlan plan)
    {
        var text = $"{plan.InterfaceName} gets {string.Join(", ", plan.HostAddresses)} via {Addressing.Ipv6.Format(plan.Gateway)}; " +
                   $"docker0 gets {Addressing.Ipv6.Format(plan.DockerCidr)} ({plan.Source.ToString().ToLowerInvariant()} of {plan.EniId}), gateway {Addressing.Ipv6.Format(plan.DockerGateway)}";
        if (Interlocked.Exchange(ref _lastPlan, text) == text)
            LogPlanUnchanged(logger, text);
        else
            LogPlanChanged(logger, text);
    }

    private string? _lastPlan;

    private static Report Failed(DateTimeOffset started, string error, ImdsSnapshot? snapshot, NetworkPlan? plan) => new()
    {
        Time = started,
        Result = ReportResult.Failed,
        Error = error,
        Instance = snapshot is null ? null : ReportBuilder.Instance(snapshot, plan),
        Plan = plan is null ? null : ReportBuilder.Plan(plan),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Pass {Result}: {Changed} file(s) changed, {Actions} command(s) run, {FailedChecks} check(s) failed")]
    private static partial void LogPassFinished(ILogger logger, string result, int changed, int actions, int failedChecks);

    [LoggerMessage(Level = LogLevel.Information, Message = "Plan: {Plan}")]
    private static partial void LogPlanChanged(ILogger logger, string plan);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Plan unchanged: {Plan}")]
    private static partial void LogPlanUnchanged(ILogger logger, string plan);

    [LoggerMessage(Level = LogLevel.Error, Message = "Pass failed and was rolled back: {Reason}")]
    private static partial void LogApplyFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The previous pass was interrupted; the next apply (or the service's next pass) puts its files back first. This dry run shows the files as they are now")]
    private static partial void LogDryRunAfterInterruptedPass(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Pass failed, nothing changed: {Reason}")]
    private static partial void LogPassRefused(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pass stopped on request: {Reason}")]
    private static partial void LogPassInterrupted(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Internal error in a reconcile pass; reported as failed")]
    private static partial void LogPassCrashed(ILogger logger, Exception exception);
}
