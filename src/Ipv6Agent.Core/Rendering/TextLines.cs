namespace Ipv6Agent.Rendering;

/// <summary>Line handling shared by renderers that must keep every byte they do not change.</summary>
internal static class TextLines
{
    /// <summary>Lines with their line feed kept, so joining them gives the text back byte for byte, and a last line without one stays without.</summary>
    public static List<string> SplitKeepingEnds(string? text)
    {
        var lines = new List<string>();
        if (string.IsNullOrEmpty(text)) return lines;
        var start = 0;
        while (start < text.Length)
        {
            var newline = text.IndexOf('\n', start);
            var end = newline < 0 ? text.Length : newline + 1;
            lines.Add(text[start..end]);
            start = end;
        }
        return lines;
    }
}
