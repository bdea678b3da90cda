using System.Threading.Channels;
using Docker.DotNet.Models;
using Ipv6Agent.Configuration;
using Ipv6Agent.Engine;
using Ipv6Agent.Reporting;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Firewall;

/// <summary>
/// Keeps the published set current between passes (<c>run</c> only): follows Docker's event stream (container start, die,
/// destroy; network connect, disconnect) and syncs after each burst, so a <c>docker run -p</c> is reachable, and a stopped
/// container closed, well within a second. A lost stream (Docker restarting, the socket gone) is reconnected with a short
/// back-off; every (re)connection replays the events since just before it and resyncs, so nothing that happened meanwhile
/// is missed.
/// </summary>
internal sealed partial class FirewallWatcher(AgentOptions options, FirewallSync sync, StatusStore status, TimeProvider time, ILogger<FirewallWatcher> logger)
{
    /// <summary>Events of one <c>docker run</c> (create, connect, start) come within a few milliseconds: one sync for all.</summary>
    private static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(30);

    // A failed connect to the engine's socket costs next to nothing, and a Docker restart must be followed within a
    // second of the engine answering again.
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(1);

    public async Task RunAsync(CancellationToken ct)
    {
        // With the table gone (open) no event changes a rule; the passes still remove stale NAT66.
        if (options.Firewall.Mode == FirewallMode.Open) return;
        var retry = FirstRetry;
        var lost = false;
        while (!ct.IsCancellationRequested)
        {
            if (sync.Cidr is not { } cidr)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, ct).ConfigureAwait(false);
                continue;
            }
            try
            {
                await FollowAsync(cidr, () =>
                {
                    if (lost) LogStreamBack(logger);
                    lost = false;
                    retry = FirstRetry;
                }, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                if (!lost) LogStreamLost(logger, options.Docker.Endpoint, e.Message);
                lost = true;
            }
            try
            {
                await Task.Delay(retry, time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
        }
    }

    private async Task FollowAsync(System.Net.IPNetwork cidr, Action connected, CancellationToken ct)
    {
        using var session = await DockerConnection.ConnectAsync(options.Docker.Endpoint, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        var dirty = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        // Events from one second before this point are replayed by the engine, so the gap between the resync below and the
        // stream's start cannot lose a container.
        var since = time.GetUtcNow().ToUnixTimeSeconds() - 1;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var stream = session.Client.System.MonitorEventsAsync(new ContainerEventsParameters
        {
            Since = since.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["type"] = new Dictionary<string, bool> { ["container"] = true, ["network"] = true },
                ["event"] = new Dictionary<string, bool> { ["start"] = true, ["die"] = true, ["destroy"] = true, ["connect"] = true, ["disconnect"] = true },
            },
        }, new Signal(dirty.Writer), stop.Token);
        connected();
        await ResyncAsync(cidr, "event stream (re)connected", ct, readKernel: true).ConfigureAwait(false);

        var reader = dirty.Reader;
        while (true)
        {
            var next = reader.WaitToReadAsync(ct).AsTask();
            var finished = await Task.WhenAny(next, stream).ConfigureAwait(false);
            if (finished == stream)
            {
                await stream.ConfigureAwait(false); // throws what ended it
                throw new IOException("the engine ended the event stream");
            }
            await next.ConfigureAwait(false);
            await Task.Delay(Coalesce, time, ct).ConfigureAwait(false);
            reader.TryRead(out _);
            // A pass may have planned a new CIDR meanwhile; the watcher follows it.
            await ResyncAsync(sync.Cidr ?? cidr, "Docker event", ct, readKernel: false).ConfigureAwait(false);
        }
    }

    private async Task ResyncAsync(System.Net.IPNetwork cidr, string why, CancellationToken ct, bool readKernel)
    {
        var outcome = await sync.SyncAsync(cidr, ct, readKernel).ConfigureAwait(false);
        if (outcome.Actions.Count > 0) LogSynced(logger, why, outcome.Firewall.Detail);
        // `status` answers from the last report: its firewall check follows the containers between passes too.
        status.UpdateCheck(outcome.Firewall);
    }

    /// <summary>Turns every event into one pending "sync needed" (a burst collapses into one).</summary>
    private sealed class Signal(ChannelWriter<bool> writer) : IProgress<Message>
    {
        public void Report(Message value) => writer.TryWrite(true);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Firewall updated after {Why}: {Detail}")]
    private static partial void LogSynced(ILogger logger, string why, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost Docker's event stream at {Endpoint} ({Reason}); reconnecting. Rules stay as loaded meanwhile")]
    private static partial void LogStreamLost(ILogger logger, Uri endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Docker's event stream is back; firewall resynced")]
    private static partial void LogStreamBack(ILogger logger);
}
