using System.Globalization;
using System.Text;

namespace Ipv6Agent.Rendering;

/// <summary>A unified diff (as <c>diff -u</c> / <c>git diff</c> print it) of one file, for dry runs and reports.</summary>
internal static class UnifiedDiff
{
    private const int Context = 3;

    /// <summary>
    /// The diff from <paramref name="before"/> to <paramref name="after"/> (<c>null</c>: the file is absent), labelled
    /// <c>a/…</c> and <c>b/…</c> after <paramref name="hostPath"/>; an empty string when the two are equal.
    /// </summary>
    public static string Create(string hostPath, string? before, string? after)
    {
        if (string.Equals(before, after, StringComparison.Ordinal)) return "";
        var name = hostPath.TrimStart('/');
        var oldLines = Lines(before);
        var newLines = Lines(after);
        var script = LineDiff.Compute(oldLines, newLines);

        var output = new StringBuilder()
            .Append("--- ").Append(before is null ? "/dev/null" : "a/" + name).Append('\n')
            .Append("+++ ").Append(after is null ? "/dev/null" : "b/" + name).Append('\n');
        foreach (var hunk in Hunks(script))
            WriteHunk(output, hunk, oldLines, newLines);
        return output.ToString();
    }

    /// <summary>Lines with their line feed kept, so a last line without one differs from the same line with one (as in diff).</summary>
    private static string[] Lines(string? text) => [.. TextLines.SplitKeepingEnds(text)];

    private static IEnumerable<List<LineDiff.Edit>> Hunks(IReadOnlyList<LineDiff.Edit> script)
    {
        var changes = Enumerable.Range(0, script.Count).Where(i => script[i].Kind != LineDiff.Kind.Equal).ToList();
        var index = 0;
        while (index < changes.Count)
        {
            var first = changes[index];
            var last = first;
            // Changes closer than twice the context share one hunk, as diff -u does.
            while (index + 1 < changes.Count && changes[index + 1] - last <= 2 * Context + 1)
                last = changes[++index];
            index++;
            var from = Math.Max(0, first - Context);
            var to = Math.Min(script.Count - 1, last + Context);
            yield return script.Skip(from).Take(to - from + 1).ToList();
        }
    }

    private static void WriteHunk(StringBuilder output, List<LineDiff.Edit> hunk, string[] oldLines, string[] newLines)
    {
        var oldCount = hunk.Count(e => e.Kind != LineDiff.Kind.Insert);
        var newCount = hunk.Count(e => e.Kind != LineDiff.Kind.Delete);
        // Line numbers are 1-based; an empty range names the line before it (0 at the top), as diff -u does.
        var oldStart = hunk.Where(e => e.Kind != LineDiff.Kind.Insert).Select(e => e.OldIndex + 1).FirstOrDefault(hunk[0].OldIndex);
        var newStart = hunk.Where(e => e.Kind != LineDiff.Kind.Delete).Select(e => e.NewIndex + 1).FirstOrDefault(hunk[0].NewIndex);
        output.Append(CultureInfo.InvariantCulture, $"@@ -{Range(oldStart, oldCount)} +{Range(newStart, newCount)} @@\n");
        foreach (var edit in hunk)
        {
            var (marker, line) = edit.Kind switch
            {
                LineDiff.Kind.Equal => (' ', oldLines[edit.OldIndex]),
                LineDiff.Kind.Delete => ('-', oldLines[edit.OldIndex]),
                _ => ('+', newLines[edit.NewIndex]),
            };
            output.Append(marker).Append(line);
            if (!line.EndsWith('\n')) output.Append("\n\\ No newline at end of file\n");
        }
    }

    private static string Range(int start, int count) => count == 1
        ? start.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{start},{count}");
}
