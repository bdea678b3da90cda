using System.Text;

namespace Ipv6Agent.Rendering.Netplan;

/// <summary>One replacement of the span <c>[Start, End)</c> of a text.</summary>
internal readonly record struct TextEdit(int Start, int End, string Replacement = "");

/// <summary>Applies span edits and finds the line-based spans YAML block entries occupy.</summary>
internal static class TextSurgery
{
    /// <summary>Applies non-overlapping edits; returns <paramref name="text"/> itself when there are none.</summary>
    public static string Apply(string text, IReadOnlyCollection<TextEdit> edits)
    {
        if (edits.Count == 0) return text;
        var builder = new StringBuilder(text.Length);
        var position = 0;
        foreach (var edit in edits.OrderBy(e => e.Start))
        {
            if (edit.Start < position) throw new InvalidOperationException($"overlapping edits at {edit.Start}");
            builder.Append(text, position, edit.Start - position).Append(edit.Replacement);
            position = edit.End;
        }
        return builder.Append(text, position, text.Length - position).ToString();
    }

    /// <summary>
    /// The span of a block entry from <paramref name="start"/> to <paramref name="end"/>: whole lines (with a comment that ends the
    /// last line) when the entry is alone on them, else just the entry.
    /// </summary>
    public static TextEdit BlockRemoval(string text, int start, int end)
    {
        var lineStart = LineStart(text, start);
        var afterEnd = LineEnd(text, end);
        var rest = text.AsSpan(end, afterEnd - end).Trim();
        if (text.AsSpan(lineStart, start - lineStart).IsWhiteSpace() && (rest.IsEmpty || rest[0] == '#'))
            return new TextEdit(lineStart, Math.Min(afterEnd + 1, text.Length));
        return new TextEdit(start, end);
    }

    /// <summary>The <c>-</c> that introduces the block sequence item starting at <paramref name="itemStart"/> (it may sit on an earlier line, followed by a comment).</summary>
    public static int DashBefore(string text, int itemStart)
    {
        var i = itemStart - 1;
        while (i >= 0)
        {
            var c = text[i];
            if (c is ' ' or '\t' or '\r') { i--; continue; }
            if (c == '-') return i;
            if (c != '\n') return -1;
            // The previous line may be "- # comment": drop the comment and keep looking.
            var lineStart = LineStart(text, i);
            var line = text.AsSpan(lineStart, i - lineStart);
            var hash = CommentStart(line);
            i = lineStart + (hash >= 0 ? hash : line.Length) - 1;
        }
        return -1;
    }

    public static int LineStart(string text, int index) => index == 0 ? 0 : text.LastIndexOf('\n', index - 1) + 1;

    /// <summary>Index of the <c>\n</c> ending the line that holds <paramref name="index"/>, or the text's length.</summary>
    public static int LineEnd(string text, int index)
    {
        var newline = text.IndexOf('\n', index);
        return newline < 0 ? text.Length : newline;
    }

    private static int CommentStart(ReadOnlySpan<char> line)
    {
        for (var i = 0; i < line.Length; i++)
            if (line[i] == '#' && (i == 0 || line[i - 1] is ' ' or '\t')) return i;
        return -1;
    }
}
