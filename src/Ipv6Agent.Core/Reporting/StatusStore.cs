using Ipv6Agent.Applying;
using Ipv6Agent.Configuration;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Reporting;

/// <summary>Writes each pass's report to <see cref="StatusFile.HostPath"/> atomically, so <c>status</c> never reads half a report.</summary>
internal sealed partial class StatusStore(AgentOptions options, ILogger<StatusStore> logger)
{
    private readonly AtomicFileWriter _writer = AtomicFileWriter.WithoutBackups(options.Root);

    public void Write(Report report)
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
