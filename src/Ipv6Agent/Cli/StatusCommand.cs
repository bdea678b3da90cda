using System.Text.Json;
using Ipv6Agent.Reporting;

namespace Ipv6Agent.Cli;

/// <summary>
/// <c>status</c>: reads the last report from the status file and prints it. Nothing else: no IMDS, no Docker, no host.
/// The report is read with the source-generated deserializer and the configuration with YamlDotNet: the binary is
/// native (no JIT at start), so the plain way is also the fast one; benchmarks in tests/Ipv6Agent.Benchmarks.
/// </summary>
internal static class StatusCommand
{
    public static int Execute(CommandLine command)
    {
        if (CliConfiguration.Load(command) is not { } options) return ExitCodes.InvalidConfiguration;

        var path = options.PathOf(StatusFile.HostPath);
        byte[] json;
        try
        {
            json = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return NoReport();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"ipv6-agent: cannot read {StatusFile.HostPath}: {e.Message}");
            return ExitCodes.Failed;
        }

        Report report;
        try
        {
            report = ReportJson.Deserialize(json);
        }
        catch (JsonException e)
        {
            Console.Error.WriteLine($"ipv6-agent: {StatusFile.HostPath} is not a report ({e.Message}); run 'ipv6-agent apply' to write a new one.");
            return ExitCodes.Failed;
        }

        if (command.Json)
        {
            // The file's own bytes (not re-serialised): exactly what the agent wrote. Console's stream writes with
            // write(2) at the shared offset, so '{ echo a; ipv6-agent status --json; echo b; } > file' keeps all three.
            Stdout.Write([.. Trimmed(json), .. "\n"u8]);
        }
        else
        {
            Stdout.Write(ReportPrinter.Summary(report, DateTimeOffset.UtcNow));
        }
        return report.ExitCode;
    }

    /// <summary>The file as written, without a BOM or trailing blank lines: after a JSON value only JSON whitespace can follow.</summary>
    private static ReadOnlySpan<byte> Trimmed(ReadOnlySpan<byte> json)
    {
        if (json.StartsWith("\uFEFF"u8)) json = json[3..];
        return json.TrimEnd(" \t\r\n"u8);
    }

    private static int NoReport()
    {
        Console.Error.WriteLine(
            $"ipv6-agent: no report yet ({StatusFile.HostPath} does not exist): the agent has not finished a pass since boot. " +
            "See 'systemctl status ipv6-agent' and 'journalctl -u ipv6-agent', or run 'ipv6-agent apply'.");
        return ExitCodes.NoReport;
    }
}
