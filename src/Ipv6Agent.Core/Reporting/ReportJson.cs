using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ipv6Agent.Reporting;

/// <summary>Source-generated JSON for reports: camelCase, indented, no reflection (trim- and AOT-safe, fast for <c>status</c>).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(Report))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;

public static class ReportJson
{
    public static string Serialize(Report report) => JsonSerializer.Serialize(report, ReportJsonContext.Default.Report);

    /// <summary>Reads a report; <see cref="JsonException"/> when the text is not one.</summary>
    public static Report Deserialize(string json) =>
        JsonSerializer.Deserialize(json, ReportJsonContext.Default.Report) ?? throw new JsonException("the file holds 'null', not a report");
}
