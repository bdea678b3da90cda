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
    [MemberData(nameof(Reports))]
    public void Deserialize_AgreesWithTheSourceGeneratedDeserializer(string json)
    {
        var generated = JsonSerializer.Deserialize(json, ReportJsonContext.Default.Report)!;

        Assert.Equal(ReportJson.Serialize(generated), ReportJson.Serialize(ReportJson.Deserialize(json)));
    }

    [Theory]
    [InlineData("2026-11-27T20:00:00+00:00")]
    [InlineData("2026-11-27T20:00:00Z")]
    [InlineData("2026-11-27T20:00:00.5+01:00")]
    [InlineData("2026-11-27T20:00:00.1234567-05:30")]
    [InlineData("2026-02-28T23:59:59.999Z")]
    public void Deserialize_Time_ReadsAsTheSourceGeneratedDeserializerDoes(string time)
    {
        var json = $$"""{"time": "{{time}}", "result": "ok"}""";

        var expected = JsonSerializer.Deserialize(json, ReportJsonContext.Default.Report)!.Time;
        var actual = ReportJson.Deserialize(json).Time;

        Assert.Equal((expected.UtcTicks, expected.Offset), (actual.UtcTicks, actual.Offset));
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
    [InlineData("null", "the file holds null, not a report")]
    [InlineData("[]", "the file holds a list, not a report")]
    [InlineData("""{"result": "ok"}""", "the report has no 'time'")]
    [InlineData("""{"time": "2026-11-27T20:00:00Z"}""", "the report has no 'result'")]
    [InlineData("""{"time": "yesterday", "result": "ok"}""", "'time' is the text \"yesterday\", not an ISO 8601 time")]
    [InlineData("""{"time": "2026-11-27T20:00:00Z", "result": "fine"}""", "'result' is 'fine', not ok, degraded or failed")]
    [InlineData("""{"time": "2026-11-27T20:00:00Z", "result": "ok", "checks": {}}""", "'checks' is an object, not a list")]
    [InlineData("""{"time": "2026-11-27T20:00:00Z", "result": "ok", "checks": [{"ok": "yes"}]}""", "'checks[].ok' is the text \"yes\", not true or false")]
    [InlineData("""{"time": "2026-11-27T20:00:00Z", "result": "ok", "changes": [{"action": "move"}]}""", "'changes[].action' is 'move', not create, update, unchanged or delete")]
    [InlineData("""{"time": "2026-11-27T20:00:00Z", "result": "ok", "instance": 7}""", "'instance' is the number 7, not an object")]
    [InlineData("""{"time": "2026-11-27T20:00:00Z", "result": "ok", "schema": 1.5}""", "'schema' is the number 1.5, not a whole number")]
    public void Deserialize_NotAReport_SaysWhatIsWrong(string json, string message)
    {
        var error = Assert.Throws<JsonException>(() => ReportJson.Deserialize(json));

        Assert.Equal(message, error.Message);
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
