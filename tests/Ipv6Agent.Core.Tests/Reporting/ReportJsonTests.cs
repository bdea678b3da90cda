using System.Text.Json;

namespace Ipv6Agent.Reporting;

public sealed class ReportJsonTests
{
    private static readonly DateTimeOffset Time = new(2026, 11, 27, 20, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Reports => new()
    {
        ReportJson.Serialize(new Report
        {
            Time = Time,
            Result = ReportResult.Ok,
            Instance = new InstanceReport("i-0123456789abcdef0", "us-east-1", "12:fb:b4:8b:15:f8", "ens5", "eni-0a1b2c3d4e5f67890"),
            Plan = new PlanReport("block", ["2001:db8:47b:ca03::1:1/64", "2001:db8:47b:ca03::1:2/64"], "fe80::1066:30ff:feb8:c008",
                "2001:db8:47b:ca03::8/126", "2001:db8:47b:ca03::9"),
            Changes =
            [
                new ChangeReport("/etc/netplan/60-ipv6-agent.yaml", ChangeAction.Unchanged),
                new ChangeReport("/etc/docker/daemon.json", ChangeAction.Update),
                new ChangeReport("/etc/apt/apt.conf.d/99ipv6-agent-force-ipv6", ChangeAction.Delete),
            ],
            Actions = ["netplan-apply", "docker-restart"],
            Checks =
            [
                new CheckReport("docker-bridge", true, "docker0 has 2001:db8:47b:ca03::9/126"),
                new CheckReport("ping 2001:db8:47b:ca03::e", false, "0/3 \"lost\" été \u2028 <tag> & 'quote'"),
            ],
        }),
        ReportJson.Serialize(new Report
        {
            Time = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.FromHours(-5)),
            Result = ReportResult.Failed,
            Error = "the ENI has neither a delegated prefix nor 4 addresses: aws ec2 assign-ipv6-addresses --network-interface-id eni-1 --ipv6-address-count 4",
            Instance = new InstanceReport("i-1", "eu-west-1", "02:00:00:00:00:01", null, null),
        }),
        ReportJson.Serialize(new Report
        {
            Time = Time,
            Result = ReportResult.Degraded,
            DryRun = true,
            Plan = new PlanReport("prefix", [], "fe80:ec2::1", "2001:db8:1::/80", "2001:db8:1::1"),
            Changes = [new ChangeReport("/etc/netplan/60-ipv6-agent.yaml", ChangeAction.Create, "--- /dev/null\n+++ b/etc/netplan/60-ipv6-agent.yaml\n@@ -0,0 +1 @@\n+network:\n")],
            Actions = ["netplan-apply"],
        }),
    };

    [Theory]
    [MemberData(nameof(Reports))]
    public void Deserialize_WhatSerializeWrote_ReadsBackTheSameReport(string json)
    {
        var report = ReportJson.Deserialize(json);

        Assert.Equal(json, ReportJson.Serialize(report));
    }

    [Theory]
    [InlineData("2026-11-27T20:00:00+00:00", "2026-11-27T20:00:00Z")]
    [InlineData("2026-11-27T20:00:00Z", "2026-11-27T20:00:00Z")]
    [InlineData("2026-11-27T20:00:00.5+01:00", "2026-11-27T19:00:00.5Z")]
    [InlineData("2026-11-27T20:00:00", "2026-11-27T20:00:00Z")]
    public void Deserialize_Time_ReadsAnyIso8601TimeAssumingUtc(string time, string utc)
    {
        var json = $$"""{"time": "{{time}}", "result": "ok"}""";

        var read = ReportJson.Deserialize(json).Time;

        Assert.Equal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture).UtcTicks, read.UtcTicks);
    }

    [Fact]
    public void Deserialize_TimesWrittenBySerialize_RoundTripToTheUtcSecond()
    {
        var random = new Random(20261127);
        for (var i = 0; i < 2000; i++)
        {
            var time = new DateTimeOffset(new DateTime(2020, 1, 1).AddTicks(random.NextInt64(TimeSpan.TicksPerDay * 3650)),
                TimeSpan.FromMinutes(random.Next(-14 * 4, 14 * 4 + 1) * 15));
            var report = new Report { Time = time, Result = ReportResult.Ok };

            var read = ReportJson.Deserialize(ReportJson.Serialize(report)).Time;

            // The contract prints UTC to the second ("2026-11-27T20:00:00Z").
            Assert.Equal((time.UtcTicks / TimeSpan.TicksPerSecond, TimeSpan.Zero), (read.UtcTicks / TimeSpan.TicksPerSecond, read.Offset));
        }
    }

    [Fact]
    public void Serialize_Time_IsUtcToTheSecondWithZ()
    {
        var report = new Report { Time = new DateTimeOffset(2026, 11, 27, 21, 0, 0, 250, TimeSpan.FromHours(1)), Result = ReportResult.Ok };

        Assert.Contains("\"time\": \"2026-11-27T20:00:00Z\"", ReportJson.Serialize(report));
    }

    [Fact]
    public void Deserialize_Utf8WithBom_ReadsTheReport()
    {
        var utf8 = "\uFEFF{\"time\": \"2026-11-27T20:00:00Z\", \"result\": \"degraded\"}"u8;

        Assert.Equal(ReportResult.Degraded, ReportJson.Deserialize(utf8).Result);
    }

    [Fact]
    public void Deserialize_UnknownPropertiesAndMissingOptionalOnes_AreIgnoredAndDefaulted()
    {
        const string json = """
            { "time": "2026-11-27T20:00:00Z", "result": "ok", "future": { "nested": [1, {"a": null}] }, "schema": 2,
              "checks": [ { "name": "x", "ok": true, "detail": "d", "since": 3 } ] }
            """;

        var report = ReportJson.Deserialize(json);

        Assert.Equal(2, report.Schema);
        Assert.Equal(Time, report.Time);
        Assert.Null(report.Instance);
        Assert.Null(report.Plan);
        Assert.Empty(report.Changes);
        Assert.Empty(report.Actions);
        Assert.Equal(new CheckReport("x", true, "d"), Assert.Single(report.Checks));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("""{"result": "ok"}""")]
    [InlineData("""{"time": "2026-11-27T20:00:00Z"}""")]
    [InlineData("""{"time": "yesterday", "result": "ok"}""")]
    [InlineData("""{"time": 7, "result": "ok"}""")]
    [InlineData("""{"time": "2026-11-27T20:00:00Z", "result": "fine"}""")]
    [InlineData("""{"time": "2026-11-27T20:00:00Z", "result": "ok", "checks": {}}""")]
    [InlineData("""{"time": "2026-11-27T20:00:00Z", "result": "ok", "checks": [{"ok": "yes"}]}""")]
    [InlineData("""{"time": "2026-11-27T20:00:00Z", "result": "ok", "changes": [{"action": "move"}]}""")]
    [InlineData("""{"time": "2026-11-27T20:00:00Z", "result": "ok", "instance": 7}""")]
    [InlineData("""{"time": "2026-11-27T20:00:00Z", "result": "ok", "schema": 1.5}""")]
    public void Deserialize_NotAReport_IsAJsonException(string json)
    {
        // Only JsonException: 'status' and the status store tell a broken report by it (no FormatException, no crash).
        var error = Record.Exception(() => ReportJson.Deserialize(json));

        Assert.IsType<JsonException>(error, exactMatch: false);
    }

    [Fact]
    public void Deserialize_NullLists_ReadAsEmpty()
    {
        const string json = """
            {"time": "2026-11-27T20:00:00Z", "result": "ok", "changes": null, "actions": null, "checks": null,
             "plan": {"source": "block", "hostAddresses": null, "gateway": "fe80::1", "dockerCidr": "2001:db8::8/126", "dockerGateway": "2001:db8::9"}}
            """;

        var report = ReportJson.Deserialize(json);

        Assert.Empty(report.Changes);
        Assert.Empty(report.Actions);
        Assert.Empty(report.Checks);
        Assert.Empty(report.Plan!.HostAddresses);
    }

    [Fact]
    public void Name_IsTheSpellingTheReportUses()
    {
        foreach (var result in Enum.GetValues<ReportResult>())
            Assert.Contains($"\"result\": \"{ReportJson.Name(result)}\"", ReportJson.Serialize(new Report { Time = Time, Result = result }));
        foreach (var action in Enum.GetValues<ChangeAction>())
            Assert.Contains($"\"action\": \"{ReportJson.Name(action)}\"",
                ReportJson.Serialize(new Report { Time = Time, Result = ReportResult.Ok, Changes = [new ChangeReport("/x", action)] }));
        Assert.Equal(["ok", "degraded", "failed"], Enum.GetValues<ReportResult>().Select(ReportJson.Name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("""{"time": "2026-11-27T20:00:00Z", "result": "ok" """)]
    [InlineData("""{"time": "2026-11-27T20:00:00Z", "result": "ok"} trailing""")]
    public void Deserialize_BrokenJson_IsAJsonException(string json)
    {
        Assert.ThrowsAny<JsonException>(() => ReportJson.Deserialize(json));
    }
}
