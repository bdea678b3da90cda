using System.Text.Json;

namespace Ipv6Agent.Reporting;

/// <summary>
/// Reads a report by walking a <see cref="JsonDocument"/>. <c>status</c> does nothing else, and the source-generated
/// deserializer costs ~25 ms of JIT at start-up there (its generic metadata over our types is not in the ReadyToRun
/// image), against well under a millisecond for this. Same rules as <see cref="ReportJsonContext"/>: camelCase names,
/// matched exactly; unknown properties ignored (newer agents may add some); <c>time</c> and <c>result</c> required;
/// a later duplicate wins.
/// </summary>
internal static class ReportReader
{
    public static Report Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new JsonException($"the file holds {Kind(root)}, not a report");

        DateTimeOffset? time = null;
        ReportResult? result = null;
        var report = new Report { Time = default, Result = default };
        foreach (var property in root.EnumerateObject())
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

    private static InstanceReport? Instance(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null) return null;
        string? id = null, region = null, mac = null, name = null, eni = null;
        foreach (var property in Object(value, "instance").EnumerateObject())
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

    private static PlanReport? Plan(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null) return null;
        string? source = null, gateway = null, dockerCidr = null, dockerGateway = null;
        IReadOnlyList<string> hostAddresses = [];
        foreach (var property in Object(value, "plan").EnumerateObject())
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

    private static ChangeReport Change(JsonElement value)
    {
        string? path = null, diff = null;
        var action = ChangeAction.Create;
        foreach (var property in Object(value, "changes[]").EnumerateObject())
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

    private static CheckReport Check(JsonElement value)
    {
        string? name = null, detail = null;
        var ok = false;
        foreach (var property in Object(value, "checks[]").EnumerateObject())
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

    private static ReportResult Result(JsonElement value) => String(value, "result") switch
    {
        "ok" => ReportResult.Ok,
        "degraded" => ReportResult.Degraded,
        "failed" => ReportResult.Failed,
        var other => throw new JsonException($"'result' is '{other}', not ok, degraded or failed"),
    };

    private static ChangeAction Action(JsonElement value) => String(value, "changes[].action") switch
    {
        "create" => ChangeAction.Create,
        "update" => ChangeAction.Update,
        "unchanged" => ChangeAction.Unchanged,
        "delete" => ChangeAction.Delete,
        var other => throw new JsonException($"'changes[].action' is '{other}', not create, update, unchanged or delete"),
    };

    private static DateTimeOffset Time(JsonElement value) =>
        value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var time)
            ? time
            : throw new JsonException($"'time' is {Kind(value)}, not an ISO 8601 time");

    // A null list reads as an empty one: the printer walks every list, and no writer ever meant "unknown" by null.
    private static IReadOnlyList<T> List<T>(JsonElement value, string name, Func<JsonElement, T> item)
    {
        if (value.ValueKind == JsonValueKind.Null) return [];
        if (value.ValueKind != JsonValueKind.Array) throw new JsonException($"'{name}' is {Kind(value)}, not a list");
        var items = new List<T>(value.GetArrayLength());
        foreach (var element in value.EnumerateArray())
            items.Add(item(element));
        return items;
    }

    private static JsonElement Object(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Object ? value : throw new JsonException($"'{name}' is {Kind(value)}, not an object");

    private static string? String(JsonElement value, string name) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null => null,
        _ => throw new JsonException($"'{name}' is {Kind(value)}, not a string"),
    };

    private static bool Bool(JsonElement value, string name) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new JsonException($"'{name}' is {Kind(value)}, not true or false"),
    };

    private static int Int(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw new JsonException($"'{name}' is {Kind(value)}, not a whole number");

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => $"the text \"{value.GetString()}\"",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => "null",
    };
}
