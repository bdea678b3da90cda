using Ipv6Agent.Configuration;
using Ipv6Agent.Engine;
using Ipv6Agent.Imds;
using Ipv6Agent.Planning;
using Ipv6Agent.Rendering;
using Ipv6Agent.Verifying;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Applying;

/// <summary>What applying did: the commands run, and why it failed (every file already put back) when it did.</summary>
internal sealed record ApplyOutcome(IReadOnlyList<string> Actions, string? Error = null);

/// <summary>
/// Turns desired files into a converged host, in the order that keeps it reachable: netplan (then prove the host still
/// reaches IMDS and its gateway, or roll back), sysctl, apt, and daemon.json last (restart Docker only if it changed, then
/// wait for the engine, or roll back). A failure puts every file of the pass back and re-applies what was re-applied
/// before, so "failed" always means "the host is as it was". Every write and command is recorded in the <see cref="PassJournal"/>
/// first, so a pass killed half way is undone the same way by the next one (<see cref="RecoverInterruptedPassAsync"/>).
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

    /// <summary>How long the host may take to reach IMDS and its gateway after <c>netplan apply</c> before it is rolled back.</summary>
    internal TimeSpan ConnectivityWithin { get; init; } = TimeSpan.FromSeconds(30);

    internal TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(2);

    internal TimeSpan EngineWithin { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>The commands a set of edits needs: what the dry run reports and the real pass runs.</summary>
    public static IReadOnlyList<string> ActionsFor(IReadOnlyList<FileEdit> edits)
    {
        var actions = new List<string>();
        if (edits.Any(e => e.Changes && e.Role == FileRole.Netplan)) actions.Add(NetplanApply);
        if (edits.Any(e => e.Changes && e.Role == FileRole.Docker)) actions.Add(DockerRestart);
        return actions;
    }

    public async Task<ApplyOutcome> ApplyAsync(NetworkPlan plan, IReadOnlyList<FileEdit> edits, CancellationToken ct)
    {
        var transaction = new FileTransaction(options.Root, new AtomicFileWriter(options.Root), loggers.CreateLogger<FileTransaction>(), journal);
        var actions = new List<string>();
        var netplanChanged = edits.Any(e => e.Changes && e.Role == FileRole.Netplan);
        try
        {
            transaction.Apply(edits.Where(e => e.Role is FileRole.Netplan or FileRole.CloudInit).ToList());
            if (netplanChanged)
            {
                actions.Add(NetplanApply);
                journal.RecordStarted(NetplanApply);
                var applied = await RunAsync(NetplanApply, options.Commands.NetplanApply, ct);
                var failure = !applied.Succeeded
                    ? applied.Describe()
                    : await ConnectivityFailureAsync(plan, ct);
                if (failure is not null)
                {
                    await RollBackAsync(transaction, netplanChanged, dockerChanged: false, ct);
                    journal.Complete();
                    return new ApplyOutcome(actions,
                        $"After the netplan change, {failure}. The previous netplan files were restored and applied again; nothing else was changed.");
                }
            }

            transaction.Apply(edits.Where(e => e.Role is FileRole.Sysctl or FileRole.Apt).ToList());
            EnableForwardingNow();

            var docker = edits.Where(e => e.Role == FileRole.Docker).ToList();
            if (docker.Any(e => e.Changes))
            {
                transaction.Apply(docker);
                actions.Add(DockerRestart);
                journal.RecordStarted(DockerRestart);
                var restarted = await RunAsync(DockerRestart, options.Commands.DockerRestart, ct);
                var ready = await engine.WaitAsync(options.Docker.Endpoint, EngineWithin, ct);
                if (!ready.Ready)
                {
                    var why = restarted.Succeeded ? ready.Detail : restarted.Describe();
                    await RollBackAsync(transaction, netplanChanged, dockerChanged: true, ct);
                    journal.Complete();
                    return new ApplyOutcome(actions,
                        $"Docker did not come back after daemon.json changed ({why}). Every file of this pass was restored and Docker restarted with its previous daemon.json.");
                }
            }
            journal.Complete();
            return new ApplyOutcome(actions);
        }
        catch (ApplyException e)
        {
            // FileTransaction has already put back what it wrote; re-apply netplan if its files had gone live.
            if (actions.Contains(NetplanApply)) await RunAsync(NetplanApply, options.Commands.NetplanApply, CancellationToken.None);
            journal.Complete();
            return new ApplyOutcome(actions, e.Message);
        }
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
        // Putting the host back must finish even if this pass was asked to stop, as in a rollback.
        if (started.Contains(NetplanApply))
        {
            actions.Add(NetplanApply);
            var applied = await RunAsync(NetplanApply, options.Commands.NetplanApply, CancellationToken.None);
            if (applied.Succeeded) await WaitForImdsAsync(ct);
            else LogRecoveryCommandFailed(logger, NetplanApply, applied.Describe());
        }

        if (started.Contains(DockerRestart))
        {
            actions.Add(DockerRestart);
            var restarted = await RunAsync(DockerRestart, options.Commands.DockerRestart, CancellationToken.None);
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

    private async Task RollBackAsync(FileTransaction transaction, bool netplanChanged, bool dockerChanged, CancellationToken ct)
    {
        LogRollingBack(logger);
        transaction.Rollback();
        // Putting the host back must finish even if the pass was asked to stop.
        if (netplanChanged) await RunAsync(NetplanApply, options.Commands.NetplanApply, CancellationToken.None);
        if (dockerChanged)
        {
            await RunAsync(DockerRestart, options.Commands.DockerRestart, CancellationToken.None);
            var ready = await engine.WaitAsync(options.Docker.Endpoint, EngineWithin, CancellationToken.None);
            if (!ready.Ready) LogEngineStillDown(logger, ready.Detail);
        }
    }

    private Task<CommandResult> RunAsync(string name, string commandLine, CancellationToken ct) =>
        commands.RunAsync(name, commandLine, CommandTimeout, ct);

    /// <summary>
    /// The sysctl drop-in makes forwarding survive a reboot; this makes it true now, without running sysctl (it is a
    /// file under /proc, so a test root without one is left alone).
    /// </summary>
    private void EnableForwardingNow()
    {
        var path = options.PathOf("/proc/sys/net/ipv6/conf/all/forwarding");
        try
        {
            if (File.Exists(path) && File.ReadAllText(path).Trim() != "1")
            {
                File.WriteAllText(path, "1\n");
                LogForwardingEnabled(logger);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogForwardingNotEnabled(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Putting back the interrupted pass: {Command} failed: {Detail}")]
    private static partial void LogRecoveryCommandFailed(ILogger logger, string command, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "IMDS still does not answer {Seconds} s after the interrupted pass was put back; this pass tries anyway")]
    private static partial void LogImdsStillUnreachable(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rolling back this pass: restoring every file it wrote")]
    private static partial void LogRollingBack(ILogger logger);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Docker is still down after restoring its previous daemon.json: {Detail}")]
    private static partial void LogEngineStillDown(ILogger logger, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Enabled IPv6 forwarding now (net.ipv6.conf.all.forwarding=1): containers' addresses are routed by this host")]
    private static partial void LogForwardingEnabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not enable IPv6 forwarding now ({Reason}); the sysctl drop-in applies it at the next boot")]
    private static partial void LogForwardingNotEnabled(ILogger logger, string reason);
}
