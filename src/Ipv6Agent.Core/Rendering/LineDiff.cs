namespace Ipv6Agent.Rendering;

/// <summary>
/// An edit script between two line arrays: Myers' O(ND) algorithm in its linear-space form (the middle snake, divide and
/// conquer), so memory is O(N + M) whatever the files. Why not the greedy form with a trace: it keeps one array per
/// edit, O((N + M) · D) memory, which a dry run over a rewritten 5,000-line apt file turned into 870 MB.
/// Time is bounded too: a part of the files whose middle snake costs more than <see cref="MaxCost"/> rounds of search is
/// shown as deleted and inserted whole (still a correct script, as GNU diff's heuristic does for costly files).
/// </summary>
internal static class LineDiff
{
    public enum Kind { Equal, Delete, Insert }

    /// <param name="OldIndex">Index in the old lines (for Equal/Delete), or the old position the insert comes before.</param>
    /// <param name="NewIndex">Index in the new lines (for Equal/Insert), or the new position the delete comes before.</param>
    public readonly record struct Edit(Kind Kind, int OldIndex, int NewIndex);

    /// <summary>Rounds of the middle-snake search before a region is given up as replaced whole.</summary>
    private const int MaxCost = 2048;

    public static IReadOnlyList<Edit> Compute(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        // Lines as numbers: every comparison is then an int compare, and equal lines share one number.
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var x = Number(a, ids);
        var y = Number(b, ids);
        // Diagonals run from -(D + 1) to D + 1 with D at most half of all lines: this holds every search.
        var size = x.Length + y.Length + 4;
        var search = new Search(x, y, new int[size], new int[size]);
        var edits = new List<Edit>(Math.Max(x.Length, y.Length));
        search.Diff(0, x.Length, 0, y.Length, edits);
        return DeletesFirst(edits);
    }

    /// <summary>
    /// Within each run of changes between equal lines, the deletes before the inserts, as diff -u prints them: the
    /// search may interleave them, and a reader (and a golden file) expects the old lines, then the new ones.
    /// </summary>
    private static List<Edit> DeletesFirst(List<Edit> edits)
    {
        var ordered = new List<Edit>(edits.Count);
        var at = 0;
        while (at < edits.Count)
        {
            if (edits[at].Kind == Kind.Equal)
            {
                ordered.Add(edits[at++]);
                continue;
            }
            var end = at;
            while (end < edits.Count && edits[end].Kind != Kind.Equal) end++;
            // The run spans old lines [oldStart, oldEnd) and new lines [newStart, newEnd).
            var oldStart = int.MaxValue;
            var newStart = int.MaxValue;
            var oldEnd = 0;
            for (var i = at; i < end; i++)
            {
                var e = edits[i];
                oldStart = Math.Min(oldStart, e.OldIndex);
                newStart = Math.Min(newStart, e.NewIndex);
                if (e.Kind == Kind.Delete) oldEnd = Math.Max(oldEnd, e.OldIndex + 1);
            }
            oldEnd = Math.Max(oldEnd, oldStart);
            for (var i = at; i < end; i++)
                if (edits[i].Kind == Kind.Delete) ordered.Add(edits[i] with { NewIndex = newStart });
            for (var i = at; i < end; i++)
                if (edits[i].Kind == Kind.Insert) ordered.Add(edits[i] with { OldIndex = oldEnd });
            at = end;
        }
        return ordered;
    }

    private static int[] Number(IReadOnlyList<string> lines, Dictionary<string, int> ids)
    {
        var numbers = new int[lines.Count];
        for (var i = 0; i < numbers.Length; i++)
        {
            if (!ids.TryGetValue(lines[i], out var id)) ids[lines[i]] = id = ids.Count;
            numbers[i] = id;
        }
        return numbers;
    }

    /// <summary>The two sequences and the two V arrays, reused by every level of the recursion.</summary>
    private sealed class Search(int[] a, int[] b, int[] forward, int[] backward)
    {
        /// <summary>Appends the script for a[aLo..aHi) → b[bLo..bHi), in order.</summary>
        public void Diff(int aLo, int aHi, int bLo, int bHi, List<Edit> edits)
        {
            // Common head and tail first: cheap, and most of a real edit.
            var head = 0;
            while (aLo + head < aHi && bLo + head < bHi && a[aLo + head] == b[bLo + head]) head++;
            var tail = 0;
            while (aHi - tail > aLo + head && bHi - tail > bLo + head && a[aHi - tail - 1] == b[bHi - tail - 1]) tail++;
            for (var i = 0; i < head; i++) edits.Add(new Edit(Kind.Equal, aLo + i, bLo + i));
            aLo += head;
            bLo += head;
            aHi -= tail;
            bHi -= tail;

            if (aLo == aHi || bLo == bHi)
            {
                Replace(aLo, aHi, bLo, bHi, edits);
            }
            else if (MiddleSnake(aLo, aHi, bLo, bHi) is { } snake)
            {
                // Both halves are strictly smaller problems: the snake lies on a shortest path, after at least one edit
                // and before at least one (the head and tail that could be matched were taken off above).
                Diff(aLo, snake.X, bLo, snake.Y, edits);
                for (var i = 0; i < snake.U - snake.X; i++) edits.Add(new Edit(Kind.Equal, snake.X + i, snake.Y + i));
                Diff(snake.U, aHi, snake.V, bHi, edits);
            }
            else
            {
                Replace(aLo, aHi, bLo, bHi, edits);
            }

            for (var i = 0; i < tail; i++) edits.Add(new Edit(Kind.Equal, aHi + i, bHi + i));
        }

        /// <summary>Every old line of the region deleted, then every new line inserted.</summary>
        private static void Replace(int aLo, int aHi, int bLo, int bHi, List<Edit> edits)
        {
            for (var i = aLo; i < aHi; i++) edits.Add(new Edit(Kind.Delete, i, bLo));
            for (var j = bLo; j < bHi; j++) edits.Add(new Edit(Kind.Insert, aHi, j));
        }

        /// <summary>
        /// The middle snake of a shortest edit path (Myers 1986, section 4b): forward and backward searches meet on it.
        /// <c>null</c> when the search exceeds <see cref="MaxCost"/> rounds.
        /// </summary>
        private Snake? MiddleSnake(int aLo, int aHi, int bLo, int bHi)
        {
            int n = aHi - aLo, m = bHi - bLo, delta = n - m;
            var rounds = Math.Min((n + m + 1) / 2, MaxCost);
            var offset = rounds + 1;
            var odd = (delta & 1) != 0;
            // forward[offset + k]: furthest x on diagonal k (x - y = k) from the top left; backward[offset + k]: furthest
            // distance walked back from the bottom right on reversed diagonal k (same x - y, measured from the end).
            forward[offset + 1] = 0;
            backward[offset + 1] = 0;
            for (var d = 0; d <= rounds; d++)
            {
                for (var k = -d; k <= d; k += 2)
                {
                    var x = k == -d || (k != d && forward[offset + k - 1] < forward[offset + k + 1])
                        ? forward[offset + k + 1]
                        : forward[offset + k - 1] + 1;
                    var y = x - k;
                    var (x0, y0) = (x, y);
                    while (x < n && y < m && a[aLo + x] == b[bLo + y]) { x++; y++; }
                    forward[offset + k] = x;
                    var back = delta - k;
                    if (odd && back >= -(d - 1) && back <= d - 1 && x + backward[offset + back] >= n)
                        return new Snake(aLo + x0, bLo + y0, aLo + x, bLo + y);
                }
                for (var k = -d; k <= d; k += 2)
                {
                    var x = k == -d || (k != d && backward[offset + k - 1] < backward[offset + k + 1])
                        ? backward[offset + k + 1]
                        : backward[offset + k - 1] + 1;
                    var y = x - k;
                    var (x0, y0) = (x, y);
                    while (x < n && y < m && a[aHi - 1 - x] == b[bHi - 1 - y]) { x++; y++; }
                    backward[offset + k] = x;
                    var ahead = delta - k;
                    if (!odd && ahead >= -d && ahead <= d && x + forward[offset + ahead] >= n)
                        return new Snake(aHi - x, bHi - y, aHi - x0, bHi - y0);
                }
            }
            return null;
        }
    }

    /// <summary>A run of equal lines from (X, Y) to (U, V), in absolute indices.</summary>
    private readonly record struct Snake(int X, int Y, int U, int V);
}
