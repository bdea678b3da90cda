using Ipv6Agent.Configuration;
using Ipv6Agent.Engine;
using Ipv6Agent.Imds;
using Ipv6Agent.Planning;
using Ipv6Agent.Rendering;
using Ipv6Agent.Verifying;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Applying;

/// <summary>
/// What applying did: the commands run, and why it failed (every file already put back) when it did. <paramref name="Interrupted"/>:
/// the pass was asked to stop and stopped between steps without rolling back; its journal is left for the next pass.
/// </summary>
internal sealed record ApplyOutcome(IReadOnlyList<string> Actions, string? Error = null, bool Interrupted = false);

/// <summary>
/// Turns desired files into a converged host, in the order that keeps it reachable: netplan (then prove the host still
/// reaches IMDS and its gateway, or roll back), sysctl, apt, and daemon.json last (restart Docker only if it changed, then
/// wait for the engine, or roll back). When the engine runs no container (a fresh instance: the first pass after
/// cloud-init), Docker's restart, the longest step of a converge, starts together with netplan apply and runs while the
/// host proves its new network: a rollback then stops nothing that ran, and nothing else needs the network meanwhile. A failure at any step puts every file of the pass back and undoes what was run
/// (netplan applied again, forwarding turned back off, Docker restarted again), so "failed" always means "the host is as it
/// was". Every write and command is recorded in the <see cref="PassJournal"/> first, so a pass killed half way is undone
/// the same way by the next one (<see cref="RecoverInterruptedPassAsync"/>). Commands that change the host run to their end
/// (or their own timeout) even when the pass is asked to stop: it stops between steps, leaving its journal to the next pass.
/// </summary>
internal sealed partial class HostApplier(
    AgentOptions options,
    ImdsClient imds,
    CommandRunner commands,
    ConnectivityCheck connectivity,
    EngineWaiter engine,
    PassJournal journal,
    TimeProvider time,
    ILoggerFactory loggers,
    ILogger<HostApplier> logger)
{
    public const string NetplanApply = "netplan-apply";
    public const string DockerRestart = "docker-restart";

    /// <summary>Journal entry for turning IPv6 forwarding on now: a rollback or the next pass turns it back off.</summary>
    public const string EnableForwarding = "enable-forwarding";

    public const string ForwardingPath = "/proc/sys/net/ipv6/conf/all/forwarding";

    /// <summary>docker0's duplicate address detection, off (see <see cref="SkipBridgeDad"/>).</summary>
    public const string BridgeAcceptDadPath = "/proc/sys/net/ipv6/conf/" + BridgeKernelChecks.Bridge + "/accept_dad";

    /// <summary>The longest a command that changes the host may run: a stop request waits for it (see RunCommand).</summary>
    public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromMinutes(2);

    /// <summary>How long the host may take to reach IMDS and its gateway after <c>netplan apply</c> before it is rolled back.</summary>
    internal TimeSpan ConnectivityWithin { get; init; } = TimeSpan.FromSeconds(30);

    internal TimeSpan CommandTimeout { get; init; } = DefaultCommandTimeout;

    internal TimeSpan EngineWithin { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>The commands a set of edits needs: what the dry run reports and the real pass runs.</summary>
    public static IReadOnlyList<string> ActionsFor(IReadOnlyList<FileEdit> edits)
    {
        var actions = new List<string>();
        if (edits.Any(e => e.Changes && e.Role == FileRole.Netplan)) actions.Add(NetplanApply);
        if (edits.Any(e => e.Changes && e.Role == FileRole.Docker)) actions.Add(DockerRestart);
        return actions;
    }

    /// <summary>What this pass has done to running state so far: what a rollback must undo besides the files.</summary>
    private sealed class Undo(FileTransaction files)
    {
        public FileTransaction Files { get; } = files;
        public List<string> Actions { get; } = [];
        public bool NetplanApplied { get; set; }
        public bool ForwardingEnabled { get; set; }
        public bool DockerRestarted { get; set; }

        /// <summary>The Docker restart under way, when it started; a rollback waits for it to end first.</summary>
        public Task<CommandResult>? Restarting { get; set; }

        public async Task SettleRestartAsync()
        {
            if (Restarting is not null) await Restarting.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes daemon.json and starts <c>docker-restart</c>, journaled first. <paramref name="forwardingFollows"/>: the restart
    /// starts before this pass turns IPv6 forwarding on, and Docker turns it on itself for an IPv6 bridge, so the journal
    /// and the rollback own it from here (a rollback turns it back off before netplan applies the old files again).
    /// </summary>
    private Task<CommandResult> StartDockerRestart(Undo undo, IReadOnlyList<FileEdit> docker, bool forwardingFollows)
    {
        undo.Files.Apply(docker);
        if (forwardingFollows && ForwardingIsOff())
        {
            journal.RecordStarted(EnableForwarding);
            undo.ForwardingEnabled = true;
        }

        undo.Actions.Add(DockerRestart);
        journal.RecordStarted(DockerRestart);
        undo.DockerRestarted = true;
        SkipBridgeDad();
        return RunAsync(DockerRestart, options.Commands.DockerRestart);
    }

    /// <summary>The engine-idle answer, or <c>false</c> once the pass is asked to stop: a stop never starts a Docker restart.</summary>
    private static async Task<bool> IdleUnlessStoppedAsync(Task<bool> idle, CancellationToken ct)
    {
        try
        {
            return await idle && !ct.IsCancellationRequested;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private bool ForwardingIsOff()
    {
        var path = options.PathOf(ForwardingPath);
        try
        {
            return File.Exists(path) && File.ReadAllText(path).Trim() == "0";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <param name="ct">A stop request: honoured between steps, never inside a command that changes the host.</param>
    public async Task<ApplyOutcome> ApplyAsync(NetworkPlan plan, IReadOnlyList<FileEdit> edits, CancellationToken ct)
    {
        var undo = new Undo(new FileTransaction(options.Root, new AtomicFileWriter(options.Root), loggers.CreateLogger<FileTransaction>(), journal));
        var docker = edits.Where(e => e.Role == FileRole.Docker).ToList();
        var restartDocker = docker.Any(e => e.Changes);
        try
        {
            // Every step's files, before the first is written: a file someone else changed stops the pass with nothing done.
            undo.Files.EnsureUnchangedOnDisk(edits);
            ct.ThrowIfCancellationRequested();

            undo.Files.Apply(edits.Where(e => e.Role is FileRole.Netplan or FileRole.CloudInit).ToList());
            if (edits.Any(e => e.Changes && e.Role == FileRole.Netplan))
            {
                // One engine round trip (bounded), asked while netplan apply starts.
                var idle = restartDocker ? DockerActivity.IsIdleAsync(options.Docker.Endpoint, ct) : Task.FromResult(false);
                undo.Actions.Add(NetplanApply);
                journal.RecordStarted(NetplanApply);
                undo.NetplanApplied = true;
                var applying = RunAsync(NetplanApply, options.Commands.NetplanApply);
                // A stop request cancels the question, never netplan apply (awaited below in any case), and starts no restart.
                if (await IdleUnlessStoppedAsync(idle, ct))
                {
                    // Nothing runs in Docker (a fresh instance): its restart, the longest step, goes beside netplan apply.
                    LogRestartingDockerEarly(logger);
                    undo.Restarting = StartDockerRestart(undo, docker, forwardingFollows: true);
                }

                var applied = await applying;
                ct.ThrowIfCancellationRequested();
                var failure = applied.Succeeded ? await ConnectivityFailureAsync(plan, ct) : applied.Describe();
                if (failure is not null)
                {
                    await undo.SettleRestartAsync();
                    await RollBackAsync(undo);
                    var docker0 = undo.DockerRestarted
                        ? "; Docker, restarted meanwhile with no container running, was restarted with its previous daemon.json"
                        : "; nothing else was changed";
                    return new ApplyOutcome(undo.Actions,
                        $"After the netplan change, {failure}. The previous netplan files were restored and applied again{docker0}.{NotPutBack(undo)}");
                }

                // Reached, so the static addresses hold: what DHCPv6 left behind for Docker's addresses goes now, not when its
                // lease would have ended. (A rollback's netplan apply brings DHCPv6, and its routes, back by itself.)
                var stray = new StrayRoutes(options, commands, loggers.CreateLogger<StrayRoutes>());
                if ((await stray.RemoveAsync(plan, ct)).Count > 0) undo.Actions.Add(StrayRoutes.Action);
            }

            ct.ThrowIfCancellationRequested();
            undo.Files.Apply(edits.Where(e => e.Role is FileRole.Sysctl or FileRole.Apt).ToList());
            EnableForwardingNow(undo);

            if (restartDocker)
            {
                if (undo.Restarting is null) ct.ThrowIfCancellationRequested();
                var restarted = await (undo.Restarting ??= StartDockerRestart(undo, docker, forwardingFollows: false));
                ct.ThrowIfCancellationRequested();
                var ready = await engine.WaitAsync(options.Docker.Endpoint, EngineWithin, ct);
                if (!ready.Ready)
                {
                    var why = restarted.Succeeded ? ready.Detail : restarted.Describe();
                    await RollBackAsync(undo);
                    return new ApplyOutcome(undo.Actions,
                        $"Docker did not come back after daemon.json changed ({why}). Every file of this pass was restored and Docker restarted with its previous daemon.json.{NotPutBack(undo)}");
                }
            }

            SkipBridgeDad();
            journal.Complete();
            return new ApplyOutcome(undo.Actions);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped between steps. Undoing here would mean running netplan apply again after being asked to stop; the journal
            // (when anything was written) makes the next pass undo it instead, exactly as after a kill. A Docker restart under
            // way runs to its end first, as every command that changes the host does.
            await undo.SettleRestartAsync();
            LogInterrupted(logger);
            return new ApplyOutcome(undo.Actions, Interrupted(undo), Interrupted: true);
        }
        catch (ApplyException e)
        {
            // The transaction has put its files back; undo what ran on them.
            await undo.SettleRestartAsync();
            await RollBackAsync(undo);
            return new ApplyOutcome(undo.Actions, e.Message + AlsoUndone(undo));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug, not an expected failure: the host must still end as it was, and the report must say what happened.
            LogInternalError(logger, e);
            var wrote = undo.Files.Applied.Count > 0;
            await undo.SettleRestartAsync();
            await RollBackAsync(undo);
            return new ApplyOutcome(undo.Actions,
                $"internal error: {e.GetType().Name}: {e.Message}; " +
                (wrote ? "every file this pass wrote was put back" : "nothing was written") + AlsoUndone(undo) + NotPutBack(undo));
        }
    }

    /// <summary>The report's sentence for a pass stopped between steps, saying what the host is left with.</summary>
    private string Interrupted(Undo undo)
    {
        if (!journal.HasInterruptedPass) return "interrupted: the pass was asked to stop before it changed anything";
        var ran = undo.Actions.Count == 0 ? "" : $" and ran {string.Join(", ", undo.Actions)}";
        return $"interrupted: the pass was asked to stop after it had written {undo.Files.Applied.Count} file(s){ran}; " +
               $"the next pass (the service's, or ipv6-agent apply) puts them back first ({PassJournal.HostPath})";
    }

    /// <summary>What a rollback could not put back, when anything: the report must not claim more than was done.</summary>
    private static string NotPutBack(Undo undo) => undo.Files.NotPutBack.Count == 0
        ? ""
        : $" Except: {string.Join(", ", undo.Files.NotPutBack)} could not be put back; the next pass tries again ({PassJournal.HostPath}), " +
          $"and the originals are in {FileBackups.HostDirectory}.";

    private static string AlsoUndone(Undo undo)
    {
        var undone = new List<string>();
        if (undo.NetplanApplied) undone.Add("netplan applied again");
        if (undo.ForwardingEnabled) undone.Add("IPv6 forwarding turned back off");
        if (undo.DockerRestarted) undone.Add("Docker restarted with its previous daemon.json");
        return undone.Count == 0 ? "" : "; " + string.Join(", ", undone);
    }

    /// <summary>Whether the previous pass was killed half way (one stat).</summary>
    public bool HasInterruptedPass => journal.HasInterruptedPass;

    /// <summary>
    /// When the previous pass was killed half way (its <see cref="PassJournal"/> is still there): puts its files back and re-runs
    /// the commands it had started, so the kernel and dockerd follow the files again, before this pass reads the host. Returns
    /// the commands run; none (and no write) when the previous pass ended.
    /// </summary>
    public async Task<IReadOnlyList<string>> RecoverInterruptedPassAsync(CancellationToken ct)
    {
        var started = journal.RestoreInterrupted();
        if (started is null) return [];

        var actions = new List<string>();
        // Putting the host back must finish even if this pass was asked to stop, as in a rollback, and in its order:
        // forwarding off before the restored netplan files, which may rely on router advertisements, are applied.
        if (started.Contains(EnableForwarding)) DisableForwarding();
        if (started.Contains(NetplanApply))
        {
            actions.Add(NetplanApply);
            var applied = await RunAsync(NetplanApply, options.Commands.NetplanApply);
            if (applied.Succeeded) await WaitForImdsAsync(ct);
            else LogRecoveryCommandFailed(logger, NetplanApply, applied.Describe());
        }

        if (started.Contains(DockerRestart))
        {
            actions.Add(DockerRestart);
            var restarted = await RunAsync(DockerRestart, options.Commands.DockerRestart);
            var ready = await engine.WaitAsync(options.Docker.Endpoint, EngineWithin, CancellationToken.None);
            if (!ready.Ready) LogRecoveryCommandFailed(logger, DockerRestart, restarted.Succeeded ? ready.Detail : restarted.Describe());
        }

        journal.Complete();
        return actions;
    }

    /// <summary>After the recovery's <c>netplan apply</c>, this pass's first step is reading IMDS: give the network the same time to come back.</summary>
    private async Task WaitForImdsAsync(CancellationToken ct)
    {
        var started = time.GetTimestamp();
        while (!await imds.IsReachableAsync(TimeSpan.FromSeconds(3), ct))
        {
            if (time.GetElapsedTime(started) >= ConnectivityWithin)
            {
                LogImdsStillUnreachable(logger, ConnectivityWithin.TotalSeconds);
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), time, ct);
        }
    }

    private async Task<string?> ConnectivityFailureAsync(NetworkPlan plan, CancellationToken ct)
    {
        var result = await connectivity.RunAsync(plan, token => imds.IsReachableAsync(TimeSpan.FromSeconds(3), token), ConnectivityWithin, ct);
        return result.Ok ? null : result.Detail;
    }

    /// <summary>
    /// Puts every file of the pass back and undoes what ran on them, in reverse order. It runs to its end even when the pass
    /// was asked to stop: a half rollback is worse than a late stop. The journal goes only when every file was put back.
    /// </summary>
    private async Task RollBackAsync(Undo undo)
    {
        // A transaction whose step failed has put its files back already; say "rolling back" only when there is more to undo.
        if (undo.Files.Applied.Count > 0 || undo.NetplanApplied || undo.ForwardingEnabled || undo.DockerRestarted) LogRollingBack(logger);
        undo.Files.Rollback();
        // Forwarding off first: with it on, the kernel ignores router advertisements, and the restored netplan files may rely
        // on them for the default route.
        if (undo.ForwardingEnabled) DisableForwarding();
        if (undo.NetplanApplied)
        {
            var applied = await RunAsync(NetplanApply, options.Commands.NetplanApply);
            if (!applied.Succeeded) LogRollbackCommandFailed(logger, NetplanApply, applied.Describe());
        }

        if (undo.DockerRestarted)
        {
            await RunAsync(DockerRestart, options.Commands.DockerRestart);
            var ready = await engine.WaitAsync(options.Docker.Endpoint, EngineWithin, CancellationToken.None);
            if (!ready.Ready) LogEngineStillDown(logger, ready.Detail);
        }

        // A file still holding this pass's text keeps the journal: the next pass puts it back and re-runs the commands.
        if (undo.Files.NotPutBack.Count == 0) journal.Complete();
    }

    private Task<CommandResult> RunAsync(string name, string commandLine) =>
        commands.RunToCompletionAsync(name, commandLine, CommandTimeout);

    /// <summary>
    /// The sysctl drop-in makes forwarding survive a reboot; this makes it true now, without running sysctl (it is a
    /// file under /proc, so a test root without one is left alone). Journaled first, so a rollback, or the next pass after
    /// a kill, turns it back off.
    /// </summary>
    private void EnableForwardingNow(Undo undo)
    {
        var path = options.PathOf(ForwardingPath);
        try
        {
            if (!File.Exists(path) || File.ReadAllText(path).Trim() == "1") return;
            journal.RecordStarted(EnableForwarding); // once: a Docker restart started early may have recorded it already
            undo.ForwardingEnabled = true;
            File.WriteAllText(path, "1\n");
            LogForwardingEnabled(logger);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogForwardingNotEnabled(logger, e.Message);
        }
    }

    /// <summary>
    /// Duplicate address detection off on docker0: before Docker restarts (the bridge outlives dockerd, and the kernel decides
    /// when an address is added whether it goes through DAD), and at the end of every pass (for a bridge the restart made).
    /// docker0's gateway is an address EC2 gave this ENI, and the bridge's other members are containers Docker gives the rest
    /// of the block, so DAD there finds nothing: it only holds all traffic of the bridge for 1–2 s once the first container gives
    /// it carrier (on a fresh instance, the probe's). Not persisted (Docker makes docker0 again at boot, and a sysctl.d key for an
    /// interface that does not exist yet fails `sysctl --system`), nor undone by a rollback: it changes nothing but that wait.
    /// </summary>
    private void SkipBridgeDad()
    {
        var path = options.PathOf(BridgeAcceptDadPath);
        try
        {
            if (!File.Exists(path) || File.ReadAllText(path).Trim() == "0") return;
            File.WriteAllText(path, "0\n");
            LogBridgeDadSkipped(logger);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogBridgeDadNotSkipped(logger, e.Message);
        }
    }

    /// <summary>Puts forwarding back as it was before <see cref="EnableForwardingNow"/> turned it on.</summary>
    private void DisableForwarding()
    {
        var path = options.PathOf(ForwardingPath);
        try
        {
            if (!File.Exists(path)) return;
            File.WriteAllText(path, "0\n");
            LogForwardingDisabled(logger);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogForwardingNotDisabled(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Putting back the interrupted pass: {Command} failed: {Detail}")]
    private static partial void LogRecoveryCommandFailed(ILogger logger, string command, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "IMDS still does not answer {Seconds} s after the interrupted pass was put back; this pass tries anyway")]
    private static partial void LogImdsStillUnreachable(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Docker runs no container: restarting it now, beside netplan apply")]
    private static partial void LogRestartingDockerEarly(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rolling back this pass: restoring every file it wrote")]
    private static partial void LogRollingBack(ILogger logger);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Docker is still down after restoring its previous daemon.json: {Detail}")]
    private static partial void LogEngineStillDown(ILogger logger, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Enabled IPv6 forwarding now (net.ipv6.conf.all.forwarding=1): containers' addresses are routed by this host")]
    private static partial void LogForwardingEnabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not enable IPv6 forwarding now ({Reason}); the sysctl drop-in applies it at the next boot")]
    private static partial void LogForwardingNotEnabled(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turned IPv6 forwarding back off (net.ipv6.conf.all.forwarding=0), as it was before this pass")]
    private static partial void LogForwardingDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not turn IPv6 forwarding back off ({Reason})")]
    private static partial void LogForwardingNotDisabled(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Turned duplicate address detection off on docker0 (net.ipv6.conf.docker0.accept_dad=0): its gateway is this ENI's own address")]
    private static partial void LogBridgeDadSkipped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not turn duplicate address detection off on docker0 ({Reason}); the first container waits for it")]
    private static partial void LogBridgeDadNotSkipped(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rolling back: {Command} failed on the restored files: {Detail}")]
    private static partial void LogRollbackCommandFailed(ILogger logger, string command, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Asked to stop: this pass stops here, between steps; the next pass puts back what it wrote")]
    private static partial void LogInterrupted(ILogger logger);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Internal error while applying; rolling back this pass")]
    private static partial void LogInternalError(ILogger logger, Exception exception);
}
