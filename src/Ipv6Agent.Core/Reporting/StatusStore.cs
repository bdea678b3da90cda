using Ipv6Agent.Applying;
using Ipv6Agent.Configuration;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Reporting;

/// <summary>Writes each pass's report to <see cref="StatusFile.HostPath"/> atomically, so <c>status</c> never reads half a report.</summary>
internal sealed partial class StatusStore(AgentOptions options, ILogger<StatusStore> logger)
{
    private readonly AtomicFileWriter _writer = AtomicFileWriter.WithoutBackups(options.Root);

    private readonly Lock _lock = new();

    public void Write(Report report)
    {
        lock (_lock) WriteUnlocked(report);
    }

    /// <summary>
    /// Replaces one check of the last report (the firewall's, after a sync between passes), so <c>status</c> says what
    /// holds now; the report's time stays the pass's. Nothing when there is no report yet or it has no such check.
    /// </summary>
    public void UpdateCheck(CheckReport check)
    {
        lock (_lock)
        {
            Report last;
            try
            {
                last = ReportJson.Deserialize(File.ReadAllBytes(options.PathOf(StatusFile.HostPath)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
            {
                return;
            }
            if (!last.Checks.Any(c => c.Name == check.Name)) return;
            var checks = last.Checks.Select(c => c.Name == check.Name ? check : c).ToList();
            var result = last.Result == ReportResult.Failed ? ReportResult.Failed
                : checks.All(c => c.Ok) ? ReportResult.Ok : ReportResult.Degraded;
            WriteUnlocked(last with { Checks = checks, Result = result });
        }
    }

    private void WriteUnlocked(Report report)
    {
        try
        {
            _writer.Write(StatusFile.HostPath, ReportJson.Serialize(report) + "\n",
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The pass itself is done; a status file we cannot write must not turn it into a crash.
            LogStatusNotWritten(logger, StatusFile.HostPath, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not write {Path}: {Reason}; 'ipv6-agent status' will show the previous report")]
    private static partial void LogStatusNotWritten(ILogger logger, string path, string reason);
}
