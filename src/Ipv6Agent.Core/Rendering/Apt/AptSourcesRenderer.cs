using System.Text.RegularExpressions;

namespace Ipv6Agent.Rendering.Apt;

/// <summary>
/// Points apt at Ubuntu's global mirrors instead of the regional EC2 ones: <c>&lt;region&gt;.ec2.archive.ubuntu.com</c> and
/// <c>&lt;region&gt;.ec2.ports.ubuntu.com</c> have no AAAA record, so an IPv6-only host cannot reach them, while
/// <c>archive.ubuntu.com</c> and <c>ports.ubuntu.com</c> can be reached over IPv6.
/// </summary>
/// <remarks>
/// Only active source entries change: <c>deb</c>/<c>deb-src</c> lines and deb822 <c>URIs:</c> fields. Commented-out lines stay as
/// they are, byte for byte: apt ignores them, and rewriting them would edit text a person wrote or kept for reference.
/// Everything else (options, suites, comments, spacing, line endings) is kept byte for byte.
/// </remarks>
internal static partial class AptSourcesRenderer
{
    /// <summary>The regional mirrors to look up (AAAA) for <paramref name="region"/>, e.g. <c>us-east-1.ec2.archive.ubuntu.com</c>.</summary>
    public static IReadOnlyList<string> RegionalMirrorHosts(string region)
    {
        if (!Region().IsMatch(region))
            throw new ArgumentException($"'{region}' is not an AWS region name (e.g. us-east-1)", nameof(region));
        return [$"{region}.ec2.archive.ubuntu.com", $"{region}.ec2.ports.ubuntu.com"];
    }

    /// <summary><paramref name="text"/> with every regional EC2 mirror replaced by the global one; the same string when there is none.</summary>
    public static string FixMirrors(string text, AptSourceFormat format)
    {
        var lines = TextLines.SplitKeepingEnds(text);
        var changed = false;
        var inUris = false;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            string fixedLine;
            if (format == AptSourceFormat.OneLine)
            {
                var entry = OneLineEntry().Match(line);
                fixedLine = entry.Success
                    ? line[..entry.Groups["rest"].Index] + Rewrite(entry.Groups["rest"].Value)
                    : line;
            }
            else
            {
                // A deb822 field continues on lines that start with a space or tab; "#" lines are comments and end nothing.
                if (line.StartsWith('#')) { continue; }
                var field = Deb822Field().Match(line);
                if (field.Success) inUris = field.Groups["name"].Value.Equals("URIs", StringComparison.OrdinalIgnoreCase);
                else if (line.Length == 0 || line[0] is not (' ' or '\t') || line.AsSpan().Trim().IsEmpty) inUris = false;
                fixedLine = !inUris ? line
                    : field.Success ? line[..field.Groups["value"].Index] + Rewrite(field.Groups["value"].Value)
                    : Rewrite(line);
            }
            if (!ReferenceEquals(fixedLine, line) && fixedLine != line)
            {
                lines[i] = fixedLine;
                changed = true;
            }
        }
        return changed ? string.Concat(lines) : text;
    }

    private static string Rewrite(string uris) => RegionalMirror().Replace(uris, m => m.Groups["scheme"].Value + m.Groups["kind"].Value.ToLowerInvariant() + ".ubuntu.com");

    [GeneratedRegex(@"^[a-z]{2}(-[a-z]+)+-\d+$")]
    private static partial Regex Region();

    [GeneratedRegex(@"^[ \t]*deb(-src)?[ \t]+(?<rest>.*)$", RegexOptions.Singleline)]
    private static partial Regex OneLineEntry();

    [GeneratedRegex(@"^(?<name>[^\s:#][^\s:]*):[ \t]*(?<value>.*)$", RegexOptions.Singleline)]
    private static partial Regex Deb822Field();

    // scheme://<region>.ec2.(archive|ports).ubuntu.com, the host ending at a path, port, whitespace or the end.
    [GeneratedRegex(@"(?<scheme>\b[a-z][a-z0-9+.-]*://)[a-z0-9-]+\.ec2\.(?<kind>archive|ports)\.ubuntu\.com(?=[/:\s\]]|$)", RegexOptions.IgnoreCase)]
    private static partial Regex RegionalMirror();
}
