using System.Text.Json;
using Ipv6Agent.Configuration;
using Ipv6Agent.Reporting;

namespace Ipv6Agent.Cli;

/// <summary><c>status</c>: reads the last report from the status file and prints it. Nothing else: no IMDS, no Docker, no host.</summary>
internal static class StatusCommand
{
    public static int Execute(CommandLine command)
    {
        AgentOptions options;
        try
        {
            options = ConfigurationLoader.Load(command.ConfigPath, EnvironmentVariables.Snapshot());
        }
        catch (ConfigurationException e)
        {
            Console.Error.WriteLine($"ipv6-agent: invalid configuration: {e.Message}");
            return ExitCodes.InvalidConfiguration;
        }

        var path = options.PathOf(StatusFile.HostPath);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            Console.Error.WriteLine(
                $"ipv6-agent: no report yet ({StatusFile.HostPath} does not exist): the agent has not finished a pass since boot. " +
                "See 'systemctl status ipv6-agent' and 'journalctl -u ipv6-agent', or run 'ipv6-agent apply'.");
            return ExitCodes.NoReport;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"ipv6-agent: cannot read {StatusFile.HostPath}: {e.Message}");
            return ExitCodes.Failed;
        }

        Report report;
        try
        {
            report = ReportJson.Deserialize(text);
        }
        catch (JsonException e)
        {
            Console.Error.WriteLine($"ipv6-agent: {StatusFile.HostPath} is not a report ({e.Message}); run 'ipv6-agent apply' to write a new one.");
            return ExitCodes.Failed;
        }

        if (command.Json)
            Console.Out.WriteLine(text.TrimEnd());
        else
            Console.Out.Write(ReportPrinter.Summary(report, DateTimeOffset.UtcNow));
        return report.ExitCode;
    }
}
