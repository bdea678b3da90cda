using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ipv6Agent.Reporting;

/// <summary>Source-generated JSON for writing reports: camelCase, indented, no reflection (trim- and AOT-safe).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(Report))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;

public static class ReportJson
{
    public static string Serialize(Report report) => JsonSerializer.Serialize(report, ReportJsonContext.Default.Report);

    /// <summary>Reads a report; <see cref="JsonException"/> when the text is not one. See <see cref="ReportReader"/> for why not the context.</summary>
    public static Report Deserialize(string json) => ReportReader.Read(json);

    /// <summary>Reads a report from UTF-8 (an optional BOM is skipped); <see cref="JsonException"/> when the bytes are not one.</summary>
    public static Report Deserialize(ReadOnlySpan<byte> utf8) => ReportReader.Read(utf8);
}
