using System.Text.Json.Nodes;
using Ipv6Agent.Testing;
using Ipv6Agent.Testing.Imds;

namespace Ipv6Agent.Cli;

public sealed class ExitCodeTests
{
    [Theory]
    [InlineData(new string[0], "no command given")]
    [InlineData(new[] { "frobnicate" }, "unknown command 'frobnicate'")]
    [InlineData(new[] { "apply", "--force" }, "unknown option '--force'")]
    [InlineData(new[] { "status", "--dry-run" }, "--dry-run goes with apply")]
    [InlineData(new[] { "version", "--json" }, "--json goes with apply or status")]
    [InlineData(new[] { "--config" }, "--config needs a file name")]
    [InlineData(new[] { "apply", "status" }, "unexpected argument 'status'")]
    public async Task Usage_BadCommandLine_Exits64WithTheReasonAndTheUsage(string[] args, string reason)
    {
        var run = await AgentProcess.RunAsync(args);

        Assert.Equal(64, run.ExitCode);
        Assert.Contains($"ipv6-agent: {reason}", run.StdErr);
        Assert.Contains("usage: ipv6-agent [--config FILE] run", run.StdErr);
        Assert.Empty(run.StdOut);
    }

    [Fact]
    public async Task Version_PrintsTheStampedVersion()
    {
        var run = await AgentProcess.RunAsync(["version"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", run.StdOut);
    }

    [Theory]
    [InlineData("apply")]
    [InlineData("status")]
    public async Task InvalidConfiguration_Exits78NamingTheKey(string verb)
    {
        var config = BlogHost.WriteConfig("addressing: blocks\n");

        var run = await AgentProcess.RunAsync(["--config", config, verb]);

        Assert.Equal(78, run.ExitCode);
        Assert.Contains("invalid configuration: addressing: 'blocks' is not one of auto, prefix, block", run.StdErr);
    }

    [Fact]
    public async Task MissingExplicitConfig_Exits78()
    {
        var run = await AgentProcess.RunAsync(["--config", "/nonexistent/ipv6-agent.yaml", "status"]);

        Assert.Equal(78, run.ExitCode);
        Assert.Contains("cannot read the configuration file /nonexistent/ipv6-agent.yaml", run.StdErr);
    }

    [Fact]
    public async Task Status_NoReportYet_Exits3AndSaysWhereToLook()
    {
        using var root = new TempRoot();

        var run = await AgentProcess.RunAsync(["--config", BlogHost.WriteConfig($"root: {root.Path}\n"), "status"]);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("no report yet", run.StdErr);
        Assert.Contains("journalctl -u ipv6-agent", run.StdErr);
    }

    [Theory]
    [InlineData("ok", 0)]
    [InlineData("degraded", 1)]
    [InlineData("failed", 2)]
    public async Task Status_ExitsPerTheReportsResultAndJsonIsTheFileItself(string result, int exitCode)
    {
        using var root = new TempRoot();
        var report = $$"""
            {"schema":1,"time":"2026-11-27T20:00:00+00:00","result":"{{result}}","dryRun":false,"error":{{(result == "failed" ? "\"IMDS did not answer\"" : "null")}},
             "instance":null,"plan":null,"changes":[],"actions":[],"checks":[{"name":"ping 2001:db8::e","ok":{{(result == "ok" ? "true" : "false")}},"detail":"3/3, 0.2 ms"}]}
            """;
        root.With("/run/ipv6-agent/status.json", report);
        var config = BlogHost.WriteConfig($"root: {root.Path}\n");

        var text = await AgentProcess.RunAsync(["--config", config, "status"]);
        var json = await AgentProcess.RunAsync(["--config", config, "status", "--json"]);

        Assert.Equal(exitCode, text.ExitCode);
        Assert.StartsWith($"ipv6-agent: {result} at 2026-11-27 20:00:00Z", text.StdOut);
        Assert.Equal(exitCode, json.ExitCode);
        Assert.Equal(result, (string?)JsonNode.Parse(json.StdOut)!["result"]);
        if (result != "ok") Assert.Contains("journalctl -u ipv6-agent", text.StdOut);
    }

    [Fact]
    public async Task Status_CorruptFile_Exits2AndSaysHowToRecover()
    {
        using var root = new TempRoot();
        root.With("/run/ipv6-agent/status.json", "{\"schema\": 1, \"result\": ");

        var run = await AgentProcess.RunAsync(["--config", BlogHost.WriteConfig($"root: {root.Path}\n"), "status"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("/run/ipv6-agent/status.json is not a report", run.StdErr);
        Assert.Contains("run 'ipv6-agent apply'", run.StdErr);
    }
}
