using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Engine;

/// <summary>Whether the engine answered after a restart, and what it said.</summary>
internal sealed record EngineReadiness(bool Ready, string Detail, string? EngineVersion = null, Version? ApiVersion = null);

/// <summary>After <c>docker-restart</c>, waits (bounded) until the engine answers <c>/_ping</c> again.</summary>
internal sealed partial class EngineWaiter(ILogger<EngineWaiter> logger, TimeProvider time)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    public async Task<EngineReadiness> WaitAsync(Uri endpoint, TimeSpan within, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var last = "no answer yet";
        while (true)
        {
            try
            {
                using var session = await DockerConnection.ConnectAsync(endpoint, RequestTimeout, ct).ConfigureAwait(false);
                await session.Client.System.PingAsync(ct).ConfigureAwait(false);
                var elapsed = time.GetElapsedTime(started);
                LogReady(logger, endpoint, session.EngineVersion, session.ApiVersion, elapsed.TotalSeconds);
                return new EngineReadiness(true, $"Docker {session.EngineVersion} answered after {elapsed.TotalSeconds:0.0} s",
                    session.EngineVersion, session.ApiVersion);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is not OutOfMemoryException)
            {
                // Refused socket, missing socket, 500 while starting, request timeout: all mean "not yet".
                last = e.Message;
            }

            if (time.GetElapsedTime(started) + PollInterval > within)
            {
                LogNotReady(logger, endpoint, within.TotalSeconds, last);
                return new EngineReadiness(false, $"the Docker engine at {endpoint} did not answer within {within.TotalSeconds:0} s: {last}");
            }

            await Task.Delay(PollInterval, time, ct).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Information,
        Message = "Docker engine {Endpoint} is up: version {EngineVersion}, API {ApiVersion}, after {Seconds:0.0} s")]
    private static partial void LogReady(ILogger logger, Uri endpoint, string engineVersion, Version apiVersion, double seconds);

    [LoggerMessage(EventId = 211, Level = LogLevel.Error, Message = "Docker engine {Endpoint} did not answer within {Seconds:0} s: {Reason}")]
    private static partial void LogNotReady(ILogger logger, Uri endpoint, double seconds, string reason);
}
