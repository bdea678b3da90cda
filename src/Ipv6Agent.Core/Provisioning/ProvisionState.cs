using System.Text.Json;
using Ipv6Agent.Applying;
using Ipv6Agent.Configuration;

namespace Ipv6Agent.Provisioning;

/// <summary>
/// What EC2 delegated to the agent, kept across passes and restarts in <c>/var/lib/ipv6-agent/provision.json</c>: one
/// granted request per ENI, ever. EC2 itself (DescribeNetworkInterfaces) is asked before any request, which covers a pass
/// killed between the request and this record; this file is what stops a second request when a prefix the agent was
/// granted is gone again. Written only after a grant: a refused or unanswered request leaves the host as it was.
/// </summary>
internal sealed class ProvisionState(AgentOptions options)
{
    public const string HostPath = "/var/lib/ipv6-agent/provision.json";

    public sealed record Entry(string Eni, DateTimeOffset RequestedAt, string? Prefix);

    public Entry? Find(string eniId) => ReadAll().FirstOrDefault(e => e.Eni == eniId);

    public void Record(Entry entry)
    {
        var entries = ReadAll().Where(e => e.Eni != entry.Eni).Append(entry).ToList();
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("requests");
            foreach (var e in entries)
            {
                json.WriteStartObject();
                json.WriteString("eni", e.Eni);
                json.WriteString("requestedAt", e.RequestedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
                if (e.Prefix is { } p) json.WriteString("prefix", p);
                else json.WriteNull("prefix");
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
        AtomicFileWriter.WithoutBackups(options.Root).WriteBytes(HostPath, stream.ToArray(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private List<Entry> ReadAll()
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(options.PathOf(HostPath));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var list = new List<Entry>();
            if (!doc.RootElement.TryGetProperty("requests", out var requests) || requests.ValueKind != JsonValueKind.Array) return list;
            foreach (var r in requests.EnumerateArray())
            {
                if (r.ValueKind != JsonValueKind.Object || !r.TryGetProperty("eni", out var eni) || eni.ValueKind != JsonValueKind.String) continue;
                var at = r.TryGetProperty("requestedAt", out var a) && a.ValueKind == JsonValueKind.String && a.TryGetDateTimeOffset(out var t) ? t : DateTimeOffset.MinValue;
                var prefix = r.TryGetProperty("prefix", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
                list.Add(new Entry(eni.GetString()!, at, prefix));
            }
            return list;
        }
        catch (JsonException)
        {
            // A damaged file must not stop the pass: EC2's own answer (DescribeNetworkInterfaces) still guards the request.
            return [];
        }
    }
}
