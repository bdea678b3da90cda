using System.Text;

namespace Ipv6Agent.Rendering;

/// <summary>
/// The edit script under every dry-run diff: correct (it turns the old lines into the new ones), minimal where that is
/// cheap, and linear in memory whatever the files, so a dry run of a huge apt file cannot take the host's memory.
/// </summary>
public sealed class LineDiffTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Compute_RandomEdits_ScriptIsValidAndMinimal(int seed)
    {
        var random = new Random(seed);
        for (var round = 0; round < 300; round++)
        {
            var a = RandomLines(random, random.Next(0, 40));
            var b = Mutate(random, a);

            var script = LineDiff.Compute(a, b);

            AssertTurns(a, b, script);
            Assert.Equal(Lcs(a, b), script.Count(e => e.Kind == LineDiff.Kind.Equal));
        }
    }

    [Fact]
    public void Compute_TwentyThousandChangedLines_LinearMemoryAndBoundedTime()
    {
        // As a dry run of an apt file whose every line is rewritten: 20,000 lines, each changed.
        var a = Enumerable.Range(0, 20_000).Select(i => $"deb http://us-east-1.ec2.archive.ubuntu.com/ubuntu/ noble-{i} main\n").ToArray();
        var b = a.Select(l => l.Replace("us-east-1.ec2.archive", "archive", StringComparison.Ordinal)).ToArray();
        GC.Collect();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var script = LineDiff.Compute(a, b);

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        AssertTurns(a, b, script);
        Assert.True(allocated < 64L << 20, $"allocated {allocated >> 20} MiB");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Compute_InterleavedChangesInAHugeFile_LinearMemory()
    {
        // Every other line changed: the worst case for hunks, and D in the tens of thousands.
        var a = Enumerable.Range(0, 40_000).Select(i => $"line {i}\n").ToArray();
        var b = a.Select((l, i) => i % 2 == 0 ? l : $"changed {i}\n").ToArray();
        var before = GC.GetAllocatedBytesForCurrentThread();

        var diff = UnifiedDiff.Create("/etc/apt/sources.list", string.Concat(a), string.Concat(b));

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 256L << 20, $"allocated {allocated >> 20} MiB");
        Assert.Equal(20_000, diff.Split('\n').Count(l => l.StartsWith("+changed", StringComparison.Ordinal)));
    }

    private static void AssertTurns(IReadOnlyList<string> a, IReadOnlyList<string> b, IReadOnlyList<LineDiff.Edit> script)
    {
        var oldAt = 0;
        var rebuilt = new List<string>();
        foreach (var edit in script)
        {
            switch (edit.Kind)
            {
                case LineDiff.Kind.Equal:
                    Assert.Equal(oldAt, edit.OldIndex);
                    Assert.Equal(rebuilt.Count, edit.NewIndex);
                    Assert.Equal(a[edit.OldIndex], b[edit.NewIndex]);
                    rebuilt.Add(a[oldAt++]);
                    break;
                case LineDiff.Kind.Delete:
                    Assert.Equal(oldAt++, edit.OldIndex);
                    break;
                default:
                    Assert.Equal(rebuilt.Count, edit.NewIndex);
                    rebuilt.Add(b[edit.NewIndex]);
                    break;
            }
        }
        Assert.Equal(a.Count, oldAt);
        Assert.Equal(b, rebuilt);
    }

    private static int Lcs(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var table = new int[a.Count + 1, b.Count + 1];
        for (var i = a.Count - 1; i >= 0; i--)
            for (var j = b.Count - 1; j >= 0; j--)
                table[i, j] = a[i] == b[j] ? table[i + 1, j + 1] + 1 : Math.Max(table[i + 1, j], table[i, j + 1]);
        return table[0, 0];
    }

    private static string[] RandomLines(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => ((char)('a' + random.Next(4))).ToString() + "\n").ToArray();

    private static string[] Mutate(Random random, string[] lines)
    {
        var result = new List<string>(lines);
        for (var i = random.Next(0, 12); i > 0; i--)
        {
            var at = random.Next(0, result.Count + 1);
            switch (random.Next(3))
            {
                case 0 when result.Count > 0 && at < result.Count: result.RemoveAt(at); break;
                case 1: result.Insert(at, ((char)('a' + random.Next(5))).ToString() + "\n"); break;
                default: if (at < result.Count) result[at] = "x\n"; break;
            }
        }
        return [.. result];
    }
}
