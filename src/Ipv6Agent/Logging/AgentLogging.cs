using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;

namespace Ipv6Agent.Logging;

/// <summary>
/// Serilog to stderr with sd-daemon <c>&lt;N&gt;</c> priority prefixes: there is no journald sink here, and journald
/// (SyslogLevelPrefix=yes, the default) turns the prefix into the entry's PRIORITY. stdout stays free for <c>--json</c>.
/// </summary>
internal static class AgentLogging
{
    public static Serilog.ILogger CreateSerilog()
    {
        var level = Environment.GetEnvironmentVariable("IPV6_AGENT_LOG_LEVEL")?.ToLowerInvariant() switch
        {
            "debug" or "verbose" or "trace" => LogEventLevel.Debug,
            "warning" => LogEventLevel.Warning,
            "error" => LogEventLevel.Error,
            _ => LogEventLevel.Information,
        };
        return new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .WriteTo.Console(new JournalFormatter(), standardErrorFromLevel: LogEventLevel.Verbose)
            .CreateLogger();
    }

    /// <summary>A logger factory for the one-shot verbs, which build no host.</summary>
    public static ILoggerFactory CreateFactory(Serilog.ILogger serilog) =>
        LoggerFactory.Create(builder => builder.ClearProviders().AddSerilog(serilog, dispose: true).SetMinimumLevel(LogLevel.Trace));
}
