using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ipv6Agent.Reporting;

/// <summary>
/// Source-generated JSON for reports, both ways: camelCase, indented, no reflection (trim- and AOT-safe). The one
/// place a report's JSON shape is decided; the enums' names come from their <see cref="JsonStringEnumMemberNameAttribute"/>.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(Report))]
[JsonSerializable(typeof(ReportResult))]
[JsonSerializable(typeof(ChangeAction))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;

internal static class ReportJson
{
    public static string Serialize(Report report) => JsonSerializer.Serialize(report, ReportJsonContext.Default.Report);

    /// <summary>Reads a report; <see cref="JsonException"/> when the text is not one.</summary>
    public static Report Deserialize(string json) => Deserialize(System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>
    /// Reads a report from UTF-8 (an optional BOM is skipped); <see cref="JsonException"/> when the bytes are not one.
    /// Unknown properties are ignored (newer agents may add some); <c>time</c> and <c>result</c> are required.
    /// </summary>
    public static Report Deserialize(ReadOnlySpan<byte> utf8)
    {
        if (utf8.StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
        var report = JsonSerializer.Deserialize(utf8, ReportJsonContext.Default.Report)
            ?? throw new JsonException("the file holds null, not a report");
        // A null list reads as an empty one: the printer walks every list, and no writer ever meant "unknown" by null.
        return report with
        {
            Changes = report.Changes ?? [],
            Actions = report.Actions ?? [],
            Checks = report.Checks ?? [],
            Plan = report.Plan is { HostAddresses: null } plan ? plan with { HostAddresses = [] } : report.Plan,
        };
    }

    /// <summary>The name a report gives <paramref name="result"/> (<c>ok</c>, <c>degraded</c>, <c>failed</c>).</summary>
    public static string Name(ReportResult result) => JsonSerializer.Serialize(result, ReportJsonContext.Default.ReportResult).Trim('"');

    /// <summary>The name a report gives <paramref name="action"/> (<c>create</c>, <c>update</c>, ...).</summary>
    public static string Name(ChangeAction action) => JsonSerializer.Serialize(action, ReportJsonContext.Default.ChangeAction).Trim('"');
}
