using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ipv6Agent.Reporting;

/// <summary>Report times as the contract prints them: UTC to the second, <c>2026-11-27T20:00:00Z</c>.</summary>
internal sealed class UtcSecondsConverter : JsonConverter<DateTimeOffset>
{
    public const string Format = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'";

    /// <remarks>
    /// Any ISO 8601 time reads (a fraction, an offset). Anything else is a <see cref="JsonException"/>, never a
    /// <see cref="FormatException"/>: the serializer passes a converter's other exceptions through, and <c>status</c>
    /// tells a broken report by the former.
    /// </remarks>
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String &&
        DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new JsonException("'time' is not an ISO 8601 time");

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
}
