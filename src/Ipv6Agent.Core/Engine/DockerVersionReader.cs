using Ipv6Agent.Configuration;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Engine;

/// <summary>Asks the engine its version (daemon.json keys depend on it); <c>null</c> when no engine answers.</summary>
internal sealed partial class DockerVersionReader(AgentOptions options, ILogger<DockerVersionReader> logger)
{
    public async Task<Version?> TryGetVersionAsync(CancellationToken ct)
    {
        try
        {
            using var session = await DockerConnection.ConnectAsync(options.Docker.Endpoint, TimeSpan.FromSeconds(5), ct);
            // Distribution versions look like "20.10.24+dfsg1": the numeric head is what matters.
            var head = new string(session.EngineVersion.TakeWhile(c => char.IsDigit(c) || c == '.').ToArray()).TrimEnd('.');
            return Version.TryParse(head, out var version) ? version : null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogEngineUnavailable(logger, options.Docker.Endpoint, e.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Docker engine at {Endpoint} does not answer ({Reason}); planning daemon.json for a current engine")]
    private static partial void LogEngineUnavailable(ILogger logger, Uri endpoint, string reason);
}
