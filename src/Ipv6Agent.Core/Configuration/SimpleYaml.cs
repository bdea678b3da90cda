using YamlDotNet.RepresentationModel;

namespace Ipv6Agent.Configuration;

/// <summary>
/// Reads the plain subset of YAML that config files are written in (block mappings of names, plain scalars, block or
/// flow lists of plain scalars, comments) into the same nodes <see cref="YamlStream"/> builds, and declines everything
/// else (quotes, anchors, tags, multi-line scalars, documents, tabs, duplicate keys, non-ASCII...), which then goes to
/// YamlDotNet. Why: YamlDotNet's first parse in a process costs ~10 ms of start-up (compiled regexes, JIT), which
/// <c>status</c> paid on every call only to learn <c>root</c>. Declining is always safe; accepting must give exactly
/// YamlDotNet's tree (a differential test holds it to that).
/// </summary>
internal static class SimpleYaml
{
    /// <summary>
    /// <c>true</c> with the root node (<c>null</c>: no document, only blanks and comments) when the text is in the
    /// subset; <c>false</c> when YamlDotNet must read it.
    /// </summary>
    public static bool TryParse(string text, out YamlNode? root)
    {
        root = null;
        var lines = new List<Line>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.EndsWith('\r') ? raw[..^1] : raw;
            var indent = 0;
            while (indent < line.Length && line[indent] == ' ') indent++;
            if (indent == line.Length || line[indent] == '#') continue;
            foreach (var c in line)
                if (c is < ' ' or > '~') return false;
            lines.Add(new Line(indent, line[indent..]));
        }
        if (lines.Count == 0) return true;
        if (lines[0].Indent != 0) return false;

        var at = 0;
        var map = Mapping(lines, ref at, 0, depth: 1);
        if (map is null || at != lines.Count) return false;
        root = map;
        return true;
    }

    // A class, not a struct: List<T> over a struct of ours is not in the ReadyToRun image and JITs at the first config read.
    private sealed record Line(int Indent, string Text);

    private static YamlMappingNode? Mapping(List<Line> lines, ref int at, int indent, int depth)
    {
        // Deeper than the loader allows: declined, so that YamlDotNet's path refuses it with the key and the line.
        if (depth >= ConfigurationLoader.MaxDepth) return null;
        var map = new YamlMappingNode();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (at < lines.Count && lines[at].Indent >= indent)
        {
            var line = lines[at];
            if (line.Indent != indent) return null;
            var colon = line.Text.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !IsKey(line.Text.AsSpan(0, colon))) return null;
            var key = line.Text[..colon];
            if (!keys.Add(key)) return null;
            var rest = StripComment(line.Text[(colon + 1)..]);
            if (rest is null) return null;
            at++;

            YamlNode? value;
            if (rest.Length > 0)
                value = Value(rest);
            else if (at < lines.Count && lines[at].Text.StartsWith('-') && lines[at].Indent >= indent)
                value = Sequence(lines, ref at, lines[at].Indent);
            else if (at < lines.Count && lines[at].Indent > indent)
                value = Mapping(lines, ref at, lines[at].Indent, depth + 1);
            else
                value = new YamlScalarNode("");
            if (value is null) return null;
            map.Add(new YamlScalarNode(key), value);
        }
        return map;
    }

    private static YamlSequenceNode? Sequence(List<Line> lines, ref int at, int indent)
    {
        var sequence = new YamlSequenceNode();
        while (at < lines.Count && lines[at].Indent == indent && lines[at].Text.StartsWith('-'))
        {
            var text = lines[at].Text;
            if (text.Length < 2 || text[1] != ' ') return null;
            var item = StripComment(text[1..]);
            if (item is not { Length: > 0 } || !IsPlain(item, flow: false)) return null;
            sequence.Add(new YamlScalarNode(item));
            at++;
        }
        // Anything more indented here would continue an item over several lines: not in the subset.
        return at < lines.Count && lines[at].Indent > indent ? null : sequence;
    }

    private static YamlNode? Value(string text)
    {
        if (text[0] != '[')
            return IsPlain(text, flow: false) ? new YamlScalarNode(text) : null;
        if (text[^1] != ']') return null;
        var sequence = new YamlSequenceNode { Style = YamlDotNet.Core.Events.SequenceStyle.Flow };
        var inner = text[1..^1].Trim(' ');
        if (inner.Length == 0) return sequence;
        foreach (var part in inner.Split(','))
        {
            var item = part.Trim(' ');
            if (!IsPlain(item, flow: true)) return null;
            sequence.Add(new YamlScalarNode(item));
        }
        return sequence;
    }

    /// <summary>The value after <c>key:</c> or <c>- </c> without its comment; <c>null</c> when it is not separated by a space.</summary>
    private static string? StripComment(string rest)
    {
        if (rest.Length > 0 && rest[0] != ' ') return null;
        var hash = rest.IndexOf(" #", StringComparison.Ordinal);
        return (hash >= 0 ? rest[..hash] : rest).Trim(' ');
    }

    private static bool IsKey(ReadOnlySpan<char> key)
    {
        if (!char.IsAsciiLetterOrDigit(key[0])) return false;
        foreach (var c in key)
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_')) return false;
        return true;
    }

    /// <summary>
    /// A plain scalar that means the same in every YAML reader: starts with a letter, digit, <c>/</c> or <c>.</c>, and
    /// holds no quote, no <c>": "</c>, no trailing <c>:</c>, no <c>#</c>, no flow indicator inside a flow list.
    /// </summary>
    private static bool IsPlain(string text, bool flow)
    {
        if (text.Length == 0 || !(char.IsAsciiLetterOrDigit(text[0]) || text[0] is '/' or '.')) return false;
        if (text[^1] == ':' || text.Contains(": ", StringComparison.Ordinal)) return false;
        foreach (var c in text)
        {
            if (c is '"' or '\'' or '#' or '`' or '\\' or '{' or '}') return false;
            if (flow && c is '[' or ']' or ',' or ' ') return false;
        }
        return true;
    }
}
