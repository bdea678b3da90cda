using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Ipv6Agent.Reporting;

/// <summary>
/// Reads a report from <see cref="JsonText"/>'s values. <c>status</c> does nothing else, and in a fresh process the
/// source-generated deserializer costs ~25 ms of JIT (its generic metadata over our types is not in the ReadyToRun
/// image) and System.Text.Json itself ~7 ms to load, against well under a millisecond for this. Same rules as
/// <see cref="ReportJsonContext"/>: camelCase names, matched exactly; unknown properties ignored (newer agents may
/// add some); <c>time</c> and <c>result</c> required; a later duplicate wins.
/// </summary>
internal static class ReportReader
{
    /// <summary>How reports write their time (System.Text.Json's DateTimeOffset form): fraction and offset as needed.</summary>
    private const string TimeFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFFK";

    public static Report Read(string json) => Read(Encoding.UTF8.GetBytes(json));

    public static Report Read(ReadOnlySpan<byte> utf8)
    {
        var root = JsonText.Parse(utf8);
        if (root.Kind != JsonKind.Object)
            throw new JsonException($"the file holds {Kind(root)}, not a report");

        DateTimeOffset? time = null;
        ReportResult? result = null;
        var report = new Report { Time = default, Result = default };
        foreach (var property in root.Members)
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "schema": report = report with { Schema = Int(value, "schema") }; break;
                case "time": time = Time(value); break;
                case "result": result = Result(value); break;
                case "dryRun": report = report with { DryRun = Bool(value, "dryRun") }; break;
                case "error": report = report with { Error = String(value, "error") }; break;
                case "instance": report = report with { Instance = Instance(value) }; break;
                case "plan": report = report with { Plan = Plan(value) }; break;
                case "changes": report = report with { Changes = List(value, "changes", Change) }; break;
                case "actions": report = report with { Actions = List(value, "actions", a => String(a, "actions") ?? "") }; break;
                case "checks": report = report with { Checks = List(value, "checks", Check) }; break;
            }
        }
        return report with
        {
            Time = time ?? throw new JsonException("the report has no 'time'"),
            Result = result ?? throw new JsonException("the report has no 'result'"),
        };
    }

    private static InstanceReport? Instance(JsonValue value)
    {
        if (value.Kind == JsonKind.Null) return null;
        string? id = null, region = null, mac = null, name = null, eni = null;
        foreach (var property in Object(value, "instance").Members)
        {
            switch (property.Name)
            {
                case "id": id = String(property.Value, "instance.id"); break;
                case "region": region = String(property.Value, "instance.region"); break;
                case "mac": mac = String(property.Value, "instance.mac"); break;
                case "interface": name = String(property.Value, "instance.interface"); break;
                case "eni": eni = String(property.Value, "instance.eni"); break;
            }
        }
        return new InstanceReport(id!, region!, mac!, name, eni);
    }

    private static PlanReport? Plan(JsonValue value)
    {
        if (value.Kind == JsonKind.Null) return null;
        string? source = null, gateway = null, dockerCidr = null, dockerGateway = null;
        IReadOnlyList<string> hostAddresses = [];
        foreach (var property in Object(value, "plan").Members)
        {
            switch (property.Name)
            {
                case "source": source = String(property.Value, "plan.source"); break;
                case "hostAddresses": hostAddresses = List(property.Value, "plan.hostAddresses", a => String(a, "plan.hostAddresses") ?? ""); break;
                case "gateway": gateway = String(property.Value, "plan.gateway"); break;
                case "dockerCidr": dockerCidr = String(property.Value, "plan.dockerCidr"); break;
                case "dockerGateway": dockerGateway = String(property.Value, "plan.dockerGateway"); break;
            }
        }
        return new PlanReport(source!, hostAddresses, gateway!, dockerCidr!, dockerGateway!);
    }

    private static ChangeReport Change(JsonValue value)
    {
        string? path = null, diff = null;
        var action = ChangeAction.Create;
        foreach (var property in Object(value, "changes[]").Members)
        {
            switch (property.Name)
            {
                case "path": path = String(property.Value, "changes[].path"); break;
                case "action": action = Action(property.Value); break;
                case "diff": diff = String(property.Value, "changes[].diff"); break;
            }
        }
        return new ChangeReport(path!, action, diff);
    }

    private static CheckReport Check(JsonValue value)
    {
        string? name = null, detail = null;
        var ok = false;
        foreach (var property in Object(value, "checks[]").Members)
        {
            switch (property.Name)
            {
                case "name": name = String(property.Value, "checks[].name"); break;
                case "ok": ok = Bool(property.Value, "checks[].ok"); break;
                case "detail": detail = String(property.Value, "checks[].detail"); break;
            }
        }
        return new CheckReport(name!, ok, detail!);
    }

    private static ReportResult Result(JsonValue value) => String(value, "result") switch
    {
        "ok" => ReportResult.Ok,
        "degraded" => ReportResult.Degraded,
        "failed" => ReportResult.Failed,
        var other => throw new JsonException($"'result' is '{other}', not ok, degraded or failed"),
    };

    private static ChangeAction Action(JsonValue value) => String(value, "changes[].action") switch
    {
        "create" => ChangeAction.Create,
        "update" => ChangeAction.Update,
        "unchanged" => ChangeAction.Unchanged,
        "delete" => ChangeAction.Delete,
        var other => throw new JsonException($"'changes[].action' is '{other}', not create, update, unchanged or delete"),
    };

    private static DateTimeOffset Time(JsonValue value) =>
        value.Kind == JsonKind.String &&
        DateTimeOffset.TryParseExact(value.Text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time
            : throw new JsonException($"'time' is {Kind(value)}, not an ISO 8601 time");

    // A null list reads as an empty one: the printer walks every list, and no writer ever meant "unknown" by null.
    private static IReadOnlyList<T> List<T>(JsonValue value, string name, Func<JsonValue, T> item)
    {
        if (value.Kind == JsonKind.Null) return [];
        if (value.Kind != JsonKind.Array) throw new JsonException($"'{name}' is {Kind(value)}, not a list");
        var items = new List<T>(value.Items.Count);
        foreach (var element in value.Items)
            items.Add(item(element));
        return items;
    }

    private static JsonValue Object(JsonValue value, string name) =>
        value.Kind == JsonKind.Object ? value : throw new JsonException($"'{name}' is {Kind(value)}, not an object");

    private static string? String(JsonValue value, string name) => value.Kind switch
    {
        JsonKind.String => value.Text,
        JsonKind.Null => null,
        _ => throw new JsonException($"'{name}' is {Kind(value)}, not a string"),
    };

    private static bool Bool(JsonValue value, string name) => value.Kind switch
    {
        JsonKind.True => true,
        JsonKind.False => false,
        _ => throw new JsonException($"'{name}' is {Kind(value)}, not true or false"),
    };

    private static int Int(JsonValue value, string name) =>
        value.Kind == JsonKind.Number && int.TryParse(value.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new JsonException($"'{name}' is {Kind(value)}, not a whole number");

    private static string Kind(JsonValue value) => value.Kind switch
    {
        JsonKind.Object => "an object",
        JsonKind.Array => "a list",
        JsonKind.String => $"the text \"{value.Text}\"",
        JsonKind.Number => $"the number {value.Text}",
        JsonKind.True => "true",
        JsonKind.False => "false",
        _ => "null",
    };
}
