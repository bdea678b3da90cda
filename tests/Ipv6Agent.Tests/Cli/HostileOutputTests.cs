using System.Text.Json.Nodes;
using Ipv6Agent.Testing;
using Ipv6Agent.Testing.Imds;

namespace Ipv6Agent.Cli;

/// <summary>
/// Text from outside (IMDS, host file names, the status file, the configuration) reaches three sinks: the terminal,
/// the journal (stderr) and sd_notify. None may carry a control character there: no escape sequence is obeyed, no
/// line is split into two, no sd_notify assignment is added. The JSON report stays exact.
/// </summary>
public sealed class HostileOutputTests
{
    private const string Hostile = "\u001b[2J\u001b[31mred\rMAINPID=1\nREADY=1\u0007\u009b31m\u202eevil";

    [Fact]
    public async Task Status_HostileReport_PrintedEscapedButJsonExact()
    {
        using var root = new TempRoot();
        var report = new JsonObject
        {
            ["schema"] = 1,
            ["time"] = "2026-11-27T20:00:00Z",
            ["result"] = "failed",
            ["dryRun"] = false,
            ["error"] = "IMDS said " + Hostile,
            ["instance"] = new JsonObject { ["id"] = "i-0123456789abcdef0", ["region"] = Hostile, ["mac"] = "12:fb:b4:8b:15:f8", ["interface"] = Hostile, ["eni"] = "eni-1" },
            ["plan"] = null,
            ["changes"] = new JsonArray(new JsonObject { ["path"] = "/etc/netplan/" + Hostile, ["action"] = "update" }),
            ["actions"] = new JsonArray(),
            ["checks"] = new JsonArray(new JsonObject { ["name"] = "ping " + Hostile, ["ok"] = false, ["detail"] = Hostile }),
        };
        root.With("/run/ipv6-agent/status.json", report.ToJsonString());
        var config = BlogHost.WriteConfig($"root: {root.Path}\n");

        var text = await AgentProcess.RunAsync(["--config", config, "status"]);
        var json = await AgentProcess.RunAsync(["--config", config, "status", "--json"]);

        Assert.Equal(2, text.ExitCode);
        Assert.DoesNotContain(text.StdOut, c => c != '\n' && (char.IsControl(c) || c == '\u202e'));
        Assert.Contains("\\x1B[31mred\\rMAINPID=1\\nREADY=1", text.StdOut, StringComparison.Ordinal);
        // One line per field, as for any report: nothing split a line.
        Assert.Equal(6, text.StdOut.TrimEnd('\n').Split('\n').Length);
        Assert.Equal("IMDS said " + Hostile, (string?)JsonNode.Parse(json.StdOut)!["error"]);
    }

    [Fact]
    public async Task InvalidConfig_QuotingControlCharacters_OneEscapedLineOnStderr()
    {
        var config = BlogHost.WriteConfig("probe:\n  targets: [\"\\e[31mhost\\rMAINPID=1\\nx\"]\n");

        var run = await AgentProcess.RunAsync(["--config", config, "status"]);

        Assert.Equal(78, run.ExitCode);
        var line = Assert.Single(run.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain(line, c => char.IsControl(c));
        Assert.Contains("probe.targets: '\\x1B[31mhost\\rMAINPID=1\\nx' is neither", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_HostileFileNameInTheError_ReachesNeitherSdNotifyNorTheJournalRaw()
    {
        await using var imds = await FakeImdsServer.StartAsync(FakeImdsOptions.For(BlogHost.Instance1));
        // A netplan file whose name holds CR, LF and escapes, and whose text is not YAML: the error names the file.
        using var root = BlogHost.Root().With("/etc/netplan/50-x\rMAINPID=1\nREADY=1\u001b[31m.yaml", "network:\n  ethernets: [unclosed\n");
        await using var agent = await NotifiedRun.StartAsync(root, BlogHost.Config(root, imds.Endpoint, "reconcile:\n  interval: 1h\n"));
        await agent.ReceiveUntilAsync(() => agent.Datagrams.Any(d => d.StartsWith("STATUS=failed", StringComparison.Ordinal)));
        var journal = await agent.StopAsync();
        var datagrams = agent.Datagrams;

        var status = datagrams.Single(d => d.StartsWith("STATUS=failed", StringComparison.Ordinal));
        Assert.Contains("50-x\\rMAINPID=1\\nREADY=1\\x1B[31m.yaml", status, StringComparison.Ordinal);
        Assert.All(datagrams, d => Assert.DoesNotContain(d, c => char.IsControl(c)));
        Assert.DoesNotContain('\u001b', journal);
        Assert.DoesNotContain('\r', journal);
        Assert.All(journal.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Matches("^(<[0-7]>|    )", line));
    }
}
