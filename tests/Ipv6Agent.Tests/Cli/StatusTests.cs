using System.Globalization;
using Ipv6Agent.Testing;

namespace Ipv6Agent.Cli;

/// <summary><c>status</c> as a person and a script see it: the summary, the raw JSON, and the exit code of the last report.</summary>
public sealed class StatusTests
{
    private static string ConvergedReport(DateTimeOffset time, string result = "ok", string checks = ConvergedChecks) => $$"""
        {
          "schema": 1,
          "time": "{{time.ToString("yyyy-MM-ddTHH:mm:ssK", CultureInfo.InvariantCulture)}}",
          "result": "{{result}}",
          "dryRun": false,
          "error": null,
          "instance": {
            "id": "i-0123456789abcdef0",
            "region": "us-east-1",
            "mac": "12:fb:b4:8b:15:f8",
            "interface": "ens5",
            "eni": "eni-0a1b2c3d4e5f67890"
          },
          "plan": {
            "source": "block",
            "hostAddresses": [
              "2001:db8:47b:ca03::1:1/64"
            ],
            "gateway": "fe80::1066:30ff:feb8:c008",
            "dockerCidr": "2001:db8:47b:ca03::8/126",
            "dockerGateway": "2001:db8:47b:ca03::9"
          },
          "changes": [
            {
              "path": "/etc/netplan/60-ipv6-agent.yaml",
              "action": "update"
            },
            {
              "path": "/etc/docker/daemon.json",
              "action": "unchanged"
            }
          ],
          "actions": [
            "netplan-apply"
          ],
          "checks": {{checks}}
        }

        """;

    private const string ConvergedChecks = """
        [
            {
              "name": "docker-bridge",
              "ok": true,
              "detail": "docker0 has 2001:db8:47b:ca03::9/126"
            },
            {
              "name": "ping 2001:db8:47b:ca03::e",
              "ok": true,
              "detail": "3/3, 0.2 ms"
            }
          ]
        """;

    private const string FailedPing = """
        [
            {
              "name": "ping 2001:db8:47b:ca03::e",
              "ok": false,
              "detail": "0/3 \u00e9t\u00e9 \"lost\""
            }
          ]
        """;

    private static readonly DateTimeOffset TenMinutesAgo = DateTimeOffset.UtcNow.AddMinutes(-10).AddSeconds(-5);

    [Fact]
    public async Task Status_ConvergedReport_PrintsTheSummaryAndExitsZero()
    {
        using var root = new TempRoot().With("/run/ipv6-agent/status.json", ConvergedReport(TenMinutesAgo));

        var run = await AgentProcess.RunAsync(["--config", BlogHost.WriteConfig($"root: {root.Path}\n"), "status"]);

        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Equal(
            $"ipv6-agent: ok at {TenMinutesAgo.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}Z (10 min ago)\n" +
            "  instance  i-0123456789abcdef0 (us-east-1), ens5 12:fb:b4:8b:15:f8 eni-0a1b2c3d4e5f67890\n" +
            "  host      2001:db8:47b:ca03::1:1/64 via fe80::1066:30ff:feb8:c008\n" +
            "  docker    2001:db8:47b:ca03::8/126 (gateway 2001:db8:47b:ca03::9, from block)\n" +
            "  changes   update /etc/netplan/60-ipv6-agent.yaml\n" +
            "  actions   netplan-apply\n" +
            "  checks    ok   docker-bridge: docker0 has 2001:db8:47b:ca03::9/126\n" +
            "            ok   ping 2001:db8:47b:ca03::e: 3/3, 0.2 ms\n",
            run.StdOut);
        Assert.Equal("", run.StdErr);
    }

    [Fact]
    public async Task StatusJson_PrintsTheFileAsWrittenWithoutTrailingBlankLines()
    {
        var report = ConvergedReport(TenMinutesAgo, "degraded", FailedPing);
        using var root = new TempRoot().With("/run/ipv6-agent/status.json", report);

        var run = await AgentProcess.RunAsync(["--config", BlogHost.WriteConfig($"root: {root.Path}\n"), "status", "--json"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(report.TrimEnd() + "\n", run.StdOut);
    }

    [Fact]
    public async Task Status_DegradedReport_ShowsTheFailedCheckDecodedAndWhereToLook()
    {
        using var root = new TempRoot().With("/run/ipv6-agent/status.json", ConvergedReport(TenMinutesAgo, "degraded", FailedPing));

        var run = await AgentProcess.RunAsync(["--config", BlogHost.WriteConfig($"root: {root.Path}\n"), "status"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("  checks    FAIL ping 2001:db8:47b:ca03::e: 0/3 été \"lost\"\n  details   journalctl -u ipv6-agent\n", run.StdOut);
    }

    [Fact]
    public async Task Status_FailedReportWithoutPlan_ShowsTheErrorAndExitsTwo()
    {
        var time = DateTimeOffset.UtcNow.AddSeconds(-30);
        using var root = new TempRoot().With("/run/ipv6-agent/status.json",
            $$$"""{"schema":1,"time":"{{{time:O}}}","result":"failed","dryRun":false,"error":"IMDS did not answer","instance":null,"plan":null,"changes":[],"actions":[],"checks":[],"future":{"x":[1,2]}}""");

        var run = await AgentProcess.RunAsync(["--config", BlogHost.WriteConfig($"root: {root.Path}\n"), "status"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Matches(@"^ipv6-agent: failed at \S+ \S+Z \(\d+s ago\)\n  changes   none\n  error     IMDS did not answer\n  details   journalctl -u ipv6-agent\n$", run.StdOut);
    }

    [Fact]
    public async Task Status_NoReportYet_ExitsThreeAndSaysWhatToDo()
    {
        using var root = new TempRoot();

        var run = await AgentProcess.RunAsync(["--config", BlogHost.WriteConfig($"root: {root.Path}\n"), "status"]);

        Assert.Equal(3, run.ExitCode);
        Assert.Equal("", run.StdOut);
        Assert.Contains("no report yet (/run/ipv6-agent/status.json does not exist)", run.StdErr);
        Assert.Contains("journalctl -u ipv6-agent", run.StdErr);
    }

    [Theory]
    [InlineData("{\"schema\": 1, \"time\": \"yesterday\", \"result\": \"ok\"}")]
    [InlineData("{\"schema\": 1, \"result\": \"ok\"}")]
    [InlineData("{\"schema\": 1, \"time\": \"2026-11-27T20:00:00Z\", \"result\": \"fine\"}")]
    [InlineData("{\"schema\": 1, \"time\": \"2026-11-27T20:00:00Z\", \"result\": \"ok\", \"checks\": {}}")]
    [InlineData("{\"schema\": 1, \"time\": \"2026-11-27T20:00:00Z\", \"result\": \"ok\"")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("")]
    public async Task Status_FileThatIsNotAReport_ExitsTwoAndSaysHowToRewriteIt(string text)
    {
        using var root = new TempRoot().With("/run/ipv6-agent/status.json", text);

        var run = await AgentProcess.RunAsync(["--config", BlogHost.WriteConfig($"root: {root.Path}\n"), "status"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.StdOut);
        Assert.Contains("/run/ipv6-agent/status.json is not a report", run.StdErr);
        Assert.Contains("run 'ipv6-agent apply' to write a new one", run.StdErr);
    }

    [Theory]
    [InlineData("root: relative/path\n", "root")]
    [InlineData("addressing: sideways\n", "addressing")]
    [InlineData("colour: blue\n", "colour")]
    [InlineData("root: [unclosed\n", "not valid YAML")]
    public async Task Status_InvalidConfiguration_Exits78AndNamesTheKey(string yaml, string named)
    {
        var run = await AgentProcess.RunAsync(["--config", BlogHost.WriteConfig(yaml), "status"]);

        Assert.Equal(78, run.ExitCode);
        Assert.Contains("invalid configuration", run.StdErr);
        Assert.Contains(named, run.StdErr);
    }
}
