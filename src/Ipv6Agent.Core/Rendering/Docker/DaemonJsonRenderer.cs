using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ipv6Agent.Addressing;

namespace Ipv6Agent.Rendering.Docker;

/// <summary>
/// Merges the keys the agent owns into <c>/etc/docker/daemon.json</c> and leaves everything else as it was: other keys, their
/// order, indentation and comments. The owned values are spliced into the text where they stand (missing keys are appended
/// before the closing brace in the file's own style), never by re-serialising the document.
/// </summary>
/// <remarks>
/// Owned keys: <c>"ipv6": true</c>, <c>"fixed-cidr-v6"</c> and, so containers leave the host with their own addresses,
/// <c>"ip6tables": false</c>. Docker 27 turned <c>ip6tables</c> on by default, and with it Docker masquerades the bridge's IPv6
/// subnet (NAT66), which would hide the containers' public addresses. The key exists since Engine 20.10 (off by default there), so
/// it is written for 20.10 and later (20.10 only refuses <c>true</c> without experimental features, <c>false</c> is accepted) and for an engine whose version is unknown (the safe side: a new engine would NAT).
/// It is not written for engines older than 20.10, which refuse to start on a key they do not know and never NAT IPv6 anyway.
/// </remarks>
internal static class DaemonJsonRenderer
{
    public const string HostPath = "/etc/docker/daemon.json";

    /// <summary>The first engine version that knows <c>ip6tables</c>.</summary>
    public static readonly Version Ip6TablesSince = new(20, 10);

    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Skip };

    /// <summary>The owned keys with the JSON text of their values, in the order they are appended.</summary>
    public static IReadOnlyList<(string Key, string Json)> OwnedKeys(IPNetwork dockerCidr, Version? dockerVersion)
    {
        var keys = new List<(string, string)> { ("ipv6", "true"), ("fixed-cidr-v6", Quote(Ipv6.Format(dockerCidr))) };
        if (dockerVersion is null || dockerVersion >= Ip6TablesSince) keys.Add(("ip6tables", "false"));
        return keys;
    }

    /// <summary><paramref name="current"/> (<c>null</c>: no file) with the owned keys set; ends with a newline when it did (a new file does).</summary>
    /// <exception cref="RenderingException">The text is not JSON, or its root is not an object.</exception>
    public static string Merge(string? current, IPNetwork dockerCidr, Version? dockerVersion, string hostPath = HostPath)
    {
        var owned = OwnedKeys(dockerCidr, dockerVersion);
        if (string.IsNullOrWhiteSpace(current)) return Fresh(owned, "  ", "\n");

        // Lossless both ways (issue 8, item 15): bytes the agent does not edit, a BOM included, come back as they were.
        var bytes = LosslessUtf8.Encode(current);
        var document = Scan(bytes, hostPath);
        var newline = current.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var edits = new List<(int Start, int End, string Text)>();

        foreach (var (key, json) in owned)
        {
            var found = document.Properties.Where(p => p.Name == key).ToList();
            foreach (var property in found)
            {
                var value = LosslessUtf8.Decode(bytes.AsSpan(property.ValueStart, property.ValueEnd - property.ValueStart));
                if (!SameValue(key, value, json)) edits.Add((property.ValueStart, property.ValueEnd, json));
            }
        }

        var missing = owned.Where(o => document.Properties.All(p => p.Name != o.Key)).ToList();
        if (missing.Count > 0)
        {
            if (document.Properties.Count == 0)
            {
                var indent = "  ";
                var inner = Fresh(missing, indent, newline).TrimEnd();
                edits.Add((document.ObjectStart, document.ObjectEnd, inner));
            }
            else
            {
                var style = StyleOf(bytes, document);
                var last = document.Properties[^1];
                var lineEnd = Array.IndexOf(bytes, (byte)'\n', last.ValueEnd);
                var restOfLine = lineEnd < 0 ? "" : LosslessUtf8.Decode(bytes.AsSpan(last.ValueEnd, lineEnd - last.ValueEnd)).Trim();
                if (style.Indent is not null && restOfLine.StartsWith("//", StringComparison.Ordinal))
                {
                    // "last": 1 // a note: the note stays with its member, the new members go on the lines after it.
                    var lines = missing.Select(m => style.Indent + Quote(m.Key) + style.Separator + m.Json);
                    edits.Add((last.ValueEnd, last.ValueEnd, ","));
                    edits.Add((lineEnd + 1, lineEnd + 1, string.Join("," + newline, lines) + newline));
                }
                else
                {
                    var insertion = new StringBuilder();
                    foreach (var (key, json) in missing)
                    {
                        insertion.Append(style.Indent is null ? style.Comma : "," + newline + style.Indent);
                        insertion.Append(Quote(key)).Append(style.Separator).Append(json);
                    }
                    edits.Add((last.ValueEnd, last.ValueEnd, insertion.ToString()));
                }
            }
        }

        var result = Splice(bytes, edits);
        // A file that ended without a newline still does (only a file the agent creates gets one).
        return result.EndsWith('\n') || !current.EndsWith('\n') ? result : result + newline;
    }

    private static string Fresh(IReadOnlyList<(string Key, string Json)> keys, string indent, string newline) =>
        "{" + newline +
        string.Join("," + newline, keys.Select(k => $"{indent}{Quote(k.Key)}: {k.Json}")) +
        newline + "}" + newline;

    /// <summary>A JSON string literal, escaped as System.Text.Json does (through its generated metadata: no reflection).</summary>
    private static string Quote(string text) => JsonSerializer.Serialize(text, JsonStringContext.Default.String);

    private static bool SameValue(string key, string valueJson, string desiredJson)
    {
        if (valueJson == desiredJson) return true;
        if (key != "fixed-cidr-v6") return false;
        // Another spelling of the same network ("2001:DB8:…:0:8/126") is left alone: it already says what the agent wants.
        try
        {
            var text = JsonSerializer.Deserialize(valueJson, JsonStringContext.Default.String);
            var desired = JsonSerializer.Deserialize(desiredJson, JsonStringContext.Default.String);
            return PrefixedAddress.TryParse(text, out var have) && PrefixedAddress.TryParse(desired, out var want) &&
                   have.Address.Equals(want.Address) && have.PrefixLength == want.PrefixLength;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Splice(byte[] bytes, List<(int Start, int End, string Text)> edits)
    {
        var output = new List<byte>(bytes.Length + 128);
        var position = 0;
        foreach (var (start, end, text) in edits.OrderBy(e => e.Start))
        {
            output.AddRange(bytes.AsSpan(position, start - position).ToArray());
            output.AddRange(LosslessUtf8.Encode(text));
            position = end;
        }
        output.AddRange(bytes.AsSpan(position).ToArray());
        return LosslessUtf8.Decode(output.ToArray());
    }

    /// <summary>How the file writes its members: the indentation of the first one (<c>null</c>: all on one line) and the text between key and value.</summary>
    private static (string? Indent, string Separator, string Comma) StyleOf(byte[] bytes, JsonObjectSpans document)
    {
        var first = document.Properties[0];
        var lineStart = Array.LastIndexOf(bytes, (byte)'\n', first.NameStart - 1 < 0 ? 0 : first.NameStart - 1);
        string? indent = null;
        if (lineStart > document.ObjectStart)
        {
            var whitespace = LosslessUtf8.Decode(bytes.AsSpan(lineStart + 1, first.NameStart - lineStart - 1)).Replace("\uFEFF", "", StringComparison.Ordinal);
            indent = whitespace.Trim().Length == 0 ? whitespace : "  ";
        }
        var between = LosslessUtf8.Decode(bytes.AsSpan(first.NameEnd, first.ValueStart - first.NameEnd));
        var separator = between.Trim() == ":" && !between.Contains('\n', StringComparison.Ordinal) ? between : ": ";
        // On one line, members are separated the way the file separates its first two ("," or ", ").
        var comma = ", ";
        if (indent is null && document.Properties.Count > 1)
        {
            var gap = LosslessUtf8.Decode(bytes.AsSpan(first.ValueEnd, document.Properties[1].NameStart - first.ValueEnd));
            if (gap.Trim() == ",") comma = gap;
        }
        return (indent, separator, comma);
    }

    private sealed record JsonProperty(string Name, int NameStart, int NameEnd, int ValueStart, int ValueEnd);

    private sealed record JsonObjectSpans(int ObjectStart, int ObjectEnd, IReadOnlyList<JsonProperty> Properties);

    /// <summary>Byte spans of the root object's members, read with comments allowed so a commented file keeps its comments.</summary>
    private static JsonObjectSpans Scan(byte[] bytes, string hostPath)
    {
        // dockerd skips a UTF-8 BOM; the reader does not: read it as whitespace (same length, so every offset still holds).
        byte[] scanned = bytes.AsSpan().StartsWith("\uFEFF"u8) ? [(byte)' ', (byte)' ', (byte)' ', .. bytes.AsSpan(3)] : bytes;
        var reader = new Utf8JsonReader(scanned, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new RenderingException(hostPath,
                    $"{hostPath}: the top level is {Describe(reader.TokenType)}, not a JSON object ({{ … }}). " +
                    "dockerd expects an object of settings; fix the file (or move it away) and run ipv6-agent again. The file was left unchanged.");
            var objectStart = (int)reader.TokenStartIndex;
            var properties = new List<JsonProperty>();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                var nameStart = (int)reader.TokenStartIndex;
                // The reader consumes the colon with the name; the name's own text ends at its closing quote.
                var nameEnd = nameStart + reader.ValueSpan.Length + 2;
                reader.Read();
                var valueStart = (int)reader.TokenStartIndex;
                reader.Skip();
                properties.Add(new JsonProperty(name, nameStart, nameEnd, valueStart, (int)reader.BytesConsumed));
            }
            var objectEnd = (int)reader.BytesConsumed;
            while (reader.Read()) { }  // the reader refuses anything but whitespace and comments after the root
            return new JsonObjectSpans(objectStart, objectEnd, properties);
        }
        catch (JsonException e)
        {
            var reason = e.Message;
            var at = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (at > 0) reason = reason[..at];
            throw new RenderingException(hostPath, string.Create(CultureInfo.InvariantCulture,
                $"{hostPath}: invalid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {reason.TrimEnd()} dockerd cannot read this file either; fix it (`python3 -m json.tool FILE` shows where) and run ipv6-agent again. The file was left unchanged."));
        }
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => "empty",
    };
}

/// <summary>Strings to and from JSON literals without reflection (trim- and AOT-safe).</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class JsonStringContext : JsonSerializerContext;
