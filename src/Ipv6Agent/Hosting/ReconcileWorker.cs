using System.Runtime.InteropServices;
using Ipv6Agent.Configuration;
using Ipv6Agent.Firewall;
using Ipv6Agent.Reconciling;
using Ipv6Agent.Reporting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Hosting;

/// <summary>
/// The service loop: one pass at start (before READY=1, so "active" means "reconciled once"), then one every
/// <c>reconcile.interval</c> and one on SIGHUP (<c>systemctl reload</c>). Each pass re-reads IMDS, so a new or
/// removed address or prefix is picked up by the next pass.
/// </summary>
internal sealed partial class ReconcileWorker(
    Reconciler reconciler,
    FirewallWatcher firewallWatcher,
    AgentOptions options,
    ISystemdNotifier notifier,
    TimeProvider time,
    ILogger<ReconcileWorker> logger) : BackgroundService
{
    /// <summary>A pass that takes longer than this is stuck: stop feeding the watchdog so systemd restarts us.</summary>
    private static readonly TimeSpan StuckPass = TimeSpan.FromMinutes(15);

    private readonly SemaphoreSlim _wake = new(0, 1);
    private PosixSignalRegistration? _sighup;
    private ITimer? _watchdog;
    private long _passStartedTicks;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        StartWatchdog();
        _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            LogReloadRequested(logger);
            Wake();
        });
        await PassAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Between passes, Docker's events keep the firewall's published ports current.
        var watching = Task.Run(() => firewallWatcher.RunAsync(stoppingToken), CancellationToken.None);
        await LoopAsync(stoppingToken);
        await watching;
    }

    private async Task LoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(options.Reconcile.Interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await PassAsync(stoppingToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        notifier.Notify(new ServiceState("STATUS=stopping"));
        _sighup?.Dispose();
        await base.StopAsync(cancellationToken);
        if (_watchdog is not null) await _watchdog.DisposeAsync();
    }

    private async Task PassAsync(CancellationToken stoppingToken)
    {
        Interlocked.Exchange(ref _passStartedTicks, time.GetTimestamp());
        try
        {
            var report = await reconciler.ReconcileAsync(dryRun: false, stoppingToken);
            notifier.Notify(new ServiceState("STATUS=" + StatusLine(report)));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // The reconciler turns every expected failure into a report; this is a bug, and the service must outlive it.
            LogPassCrashed(logger, e);
            notifier.Notify(new ServiceState("STATUS=failed: internal error, see journalctl -u ipv6-agent"));
        }
        finally
        {
            Interlocked.Exchange(ref _passStartedTicks, 0);
        }
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try { _wake.Release(); } catch (SemaphoreFullException) { }
        }
    }

    private void StartWatchdog()
    {
        if (!long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out var usec) || usec <= 0) return;
        var period = TimeSpan.FromMicroseconds(usec / 2);
        _watchdog = time.CreateTimer(_ =>
        {
            var started = Interlocked.Read(ref _passStartedTicks);
            if (started == 0 || time.GetElapsedTime(started) < StuckPass)
                notifier.Notify(new ServiceState("WATCHDOG=1"));
        }, null, TimeSpan.Zero, period);
    }

    internal static string StatusLine(Report report)
    {
        var result = report.Result.ToString().ToLowerInvariant();
        if (report.Error is { } error) return $"{result}: {error}";
        var failed = report.Checks.Where(c => !c.Ok).Select(c => c.Name).ToList();
        var cidr = report.Plan?.DockerCidr ?? "?";
        return failed.Count == 0
            ? $"{result}: docker {cidr}, {report.Checks.Count} checks passed"
            : $"{result}: docker {cidr}, failed checks: {string.Join(", ", failed)}";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SIGHUP: reconciling now")]
    private static partial void LogReloadRequested(ILogger logger);

    [LoggerMessage(Level = LogLevel.Critical, Message = "A reconcile pass crashed; the service keeps running and tries again at the next interval")]
    private static partial void LogPassCrashed(ILogger logger, Exception exception);
}
