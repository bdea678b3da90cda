using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Text.RegularExpressions;

namespace Ipv6Agent.Verifying;

/// <summary>
/// A Docker image reference, read by the grammar of distribution/reference (what <c>docker pull</c> accepts):
/// <c>[registry[:port]/]path[:tag][@digest]</c>. Why not split at the last colon: a digest (<c>busybox@sha256:…</c>)
/// has one too, and a registry's port (<c>host:5000/img</c>) is no tag.
/// </summary>
internal sealed partial record ImageReference(string Repository, string? Tag, string? Digest)
{
    private const int MaxNameLength = 255;

    /// <summary>
    /// What the engine's pull (<c>POST /images/create?fromImage=…&amp;tag=…</c>) takes as the tag: the digest when there is
    /// one (it pins the image; a tag beside it is only a label), else the tag, else <c>latest</c> — as the docker CLI does.
    /// </summary>
    public string PullTag => Digest ?? Tag ?? "latest";

    public override string ToString() => Repository + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    public static ImageReference Parse(string text) =>
        TryParse(text, out var reference, out var why) ? reference : throw new FormatException(why);

    /// <summary>A reference, or why <paramref name="text"/> is not one (a clause for a sentence, without the text).</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out ImageReference? reference, [NotNullWhen(false)] out string? why)
    {
        reference = null;
        var match = Reference().Match(text);
        if (!match.Success)
        {
            why = "is not an image reference ([registry[:port]/]name[:tag][@digest], lower-case name, e.g. busybox:stable)";
            return false;
        }
        var name = match.Groups["name"].Value;
        if (name.Length > MaxNameLength)
        {
            why = $"has a name longer than {MaxNameLength} characters";
            return false;
        }
        var domain = match.Groups["domain"];
        if (domain.Success && domain.Value.StartsWith('[') && !IPAddress.TryParse(domain.Value[1..domain.Value.IndexOf(']', StringComparison.Ordinal)], out _))
        {
            why = "has a registry in brackets that is not an IPv6 address";
            return false;
        }
        var digest = match.Groups["digest"].Success ? match.Groups["digest"].Value : null;
        if (digest is not null && DigestProblem(digest) is { } problem)
        {
            why = problem;
            return false;
        }
        reference = new ImageReference(name, match.Groups["tag"].Success ? match.Groups["tag"].Value : null, digest);
        why = null;
        return true;
    }

    /// <summary>The registered algorithms have a fixed length, in lower-case hex (as the engine checks).</summary>
    private static string? DigestProblem(string digest)
    {
        var colon = digest.IndexOf(':', StringComparison.Ordinal);
        var (algorithm, hex) = (digest[..colon], digest[(colon + 1)..]);
        int? length = algorithm switch { "sha256" => 64, "sha384" => 96, "sha512" => 128, _ => null };
        if (length is { } expected && (hex.Length != expected || !hex.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f')))
            return $"has a {algorithm} digest that is not {expected} lower-case hex digits";
        return null;
    }

    // distribution/reference's grammar, anchored. A first component is a registry when it has a '.' or a ':' (a
    // port), is an IPv6 address in brackets, or is "localhost"; otherwise it is part of the path (library/busybox).
    [GeneratedRegex("""
        ^(?<name>
           (?:(?<domain>(?:\[[0-9A-Fa-f:.]+\]|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*)(?::[0-9]+)?)
              (?<=[.:\]]\S*|^localhost|^localhost:[0-9]+)/)?
           [a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*
           (?:/[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*)*
         )
         (?::(?<tag>[\w][\w.-]{0,127}))?
         (?:@(?<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?\z
        """, RegexOptions.IgnorePatternWhitespace | RegexOptions.ExplicitCapture | RegexOptions.CultureInvariant)]
    private static partial Regex Reference();
}
