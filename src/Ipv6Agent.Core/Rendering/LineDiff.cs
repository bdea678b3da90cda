namespace Ipv6Agent.Rendering;

/// <summary>A shortest edit script between two line arrays (Myers' O(ND) algorithm, forward greedy with a trace).</summary>
internal static class LineDiff
{
    public enum Kind { Equal, Delete, Insert }

    /// <param name="OldIndex">Index in the old lines (for Equal/Delete), or the old position the insert comes before.</param>
    /// <param name="NewIndex">Index in the new lines (for Equal/Insert), or the new position the delete comes before.</param>
    public readonly record struct Edit(Kind Kind, int OldIndex, int NewIndex);

    public static IReadOnlyList<Edit> Compute(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        int n = a.Count, m = b.Count, max = n + m, offset = max + 1;
        var v = new int[2 * max + 3];
        var trace = new List<int[]>();
        var found = false;
        for (var d = 0; d <= max && !found; d++)
        {
            trace.Add((int[])v.Clone());
            for (var k = -d; k <= d; k += 2)
            {
                var x = k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])
                    ? v[offset + k + 1]          // down: an insert
                    : v[offset + k - 1] + 1;     // right: a delete
                var y = x - k;
                while (x < n && y < m && string.Equals(a[x], b[y], StringComparison.Ordinal)) { x++; y++; }
                v[offset + k] = x;
                if (x >= n && y >= m) { found = true; break; }
            }
        }
        return Backtrack(trace, a.Count, b.Count, offset);
    }

    private static List<Edit> Backtrack(List<int[]> trace, int n, int m, int offset)
    {
        var edits = new List<Edit>();
        int x = n, y = m;
        for (var d = trace.Count - 1; d >= 0 && (x > 0 || y > 0); d--)
        {
            var v = trace[d];
            var k = x - y;
            var prevK = k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) ? k + 1 : k - 1;
            var prevX = d == 0 ? 0 : v[offset + prevK];
            var prevY = prevX - prevK;
            if (d == 0) { prevX = 0; prevY = 0; }
            while (x > prevX && y > prevY) { x--; y--; edits.Add(new Edit(Kind.Equal, x, y)); }
            if (d > 0)
            {
                if (x == prevX) { y--; edits.Add(new Edit(Kind.Insert, x, y)); }
                else { x--; edits.Add(new Edit(Kind.Delete, x, y)); }
            }
        }
        edits.Reverse();
        return edits;
    }
}
