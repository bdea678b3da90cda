using System.Diagnostics;

namespace Ipv6Agent.Rendering;

public sealed class UnifiedDiffTests
{
    [Fact]
    public void Diff_Equal_IsEmpty() => Assert.Equal("", UnifiedDiff.Create("/etc/x", "a\n", "a\n"));

    [Fact]
    public void Diff_BothAbsent_IsEmpty() => Assert.Equal("", UnifiedDiff.Create("/etc/x", null, null));

    [Fact]
    public void Diff_Create_ComparesWithDevNull() =>
        Assert.Equal("--- /dev/null\n+++ b/etc/sysctl.d/60-ipv6-agent.conf\n@@ -0,0 +1,2 @@\n+# why\n+net.ipv6.conf.all.forwarding = 1\n",
            UnifiedDiff.Create("/etc/sysctl.d/60-ipv6-agent.conf", null, "# why\nnet.ipv6.conf.all.forwarding = 1\n"));

    [Fact]
    public void Diff_Delete_ComparesWithDevNull() =>
        Assert.Equal("--- a/etc/apt/apt.conf.d/99ipv6-agent-force-ipv6\n+++ /dev/null\n@@ -1 +0,0 @@\n-Acquire::ForceIPv6 \"true\";\n",
            UnifiedDiff.Create("/etc/apt/apt.conf.d/99ipv6-agent-force-ipv6", "Acquire::ForceIPv6 \"true\";\n", null));

    [Fact]
    public void Diff_ChangeInTheMiddle_ShowsThreeLinesOfContext() =>
        Assert.Equal("--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
            UnifiedDiff.Create("/f", Numbers(1, 10), Numbers(1, 10).Replace("5\n", "five\n", StringComparison.Ordinal)));

    [Fact]
    public void Diff_ChangesFarApart_MakeTwoHunks()
    {
        var after = Numbers(1, 20).Replace("\n2\n", "\ntwo\n", StringComparison.Ordinal).Replace("\n18\n", "\neighteen\n", StringComparison.Ordinal);

        Assert.Equal("--- a/f\n+++ b/f\n@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n@@ -15,6 +15,6 @@\n 15\n 16\n 17\n-18\n+eighteen\n 19\n 20\n",
            UnifiedDiff.Create("/f", Numbers(1, 20), after));
    }

    [Fact]
    public void Diff_NewlineAddedAtTheEnd_SaysNoNewlineForTheOldSide() =>
        Assert.Equal("--- a/etc/docker/daemon.json\n+++ b/etc/docker/daemon.json\n@@ -1 +1 @@\n-{}\n\\ No newline at end of file\n+{}\n",
            UnifiedDiff.Create("/etc/docker/daemon.json", "{}", "{}\n"));

    [Fact]
    public void Diff_MatchesGnuDiffOnARealEdit()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/diff"), "diffutils is not installed");
        var before = Fixture.Text("netplan/50-cloud-init.modern.yaml");
        var after = Rendering.Netplan.NetplanCleaner.RemoveAddressesIn(before, BlogPlan.DockerCidr, "/etc/netplan/50-cloud-init.yaml");

        var gnu = GnuDiff("etc/netplan/50-cloud-init.yaml", before, after);

        Assert.Equal(gnu, UnifiedDiff.Create("/etc/netplan/50-cloud-init.yaml", before, after));
    }

    [Fact]
    public void Diff_RandomEdits_ApplyWithPatchToTheNewText()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/patch"), "patch is not installed");
        var random = new Random(20261127);
        for (var round = 0; round < 40; round++)
        {
            // A created or deleted file has at least one line: a diff of an empty file has no hunk for patch to read.
            var before = RandomText(random, minimum: 1);
            var after = round % 10 == 0 ? null : RandomText(random, minimum: 1);
            if (round % 10 == 5) before = null;
            var diff = UnifiedDiff.Create("/etc/f", before, after);
            Assert.Equal(after ?? "", Patch(before ?? "", diff, deletes: after is null));
        }
    }

    private static string Numbers(int from, int to) => string.Concat(Enumerable.Range(from, to - from + 1).Select(i => $"{i}\n"));

    private static string RandomText(Random random, int minimum)
    {
        var lines = Enumerable.Range(0, random.Next(minimum, 25)).Select(_ => "abcde"[random.Next(5)].ToString()).ToList();
        var text = string.Concat(lines.Select(l => l + "\n"));
        return lines.Count > 0 && random.Next(4) == 0 ? text.TrimEnd('\n') : text;
    }

    private static string Patch(string before, string diff, bool deletes)
    {
        var directory = Directory.CreateTempSubdirectory("ipv6-agent-diff-");
        try
        {
            var file = Path.Combine(directory.FullName, "f");
            File.WriteAllText(file, before);
            if (diff.Length == 0) return before;
            var output = Run("/usr/bin/patch", diff, "--force", "--quiet", file);
            Assert.True(output.ExitCode == 0, $"patch refused:\n{diff}\n{output.Text}");
            return File.Exists(file) ? File.ReadAllText(file) : deletes ? "" : throw new InvalidOperationException("patch deleted the file");
        }
        finally
        {
            // patch removes the directory too when it deletes the only file in it.
            if (Directory.Exists(directory.FullName)) directory.Delete(recursive: true);
        }
    }

    private static string GnuDiff(string name, string before, string after)
    {
        var directory = Directory.CreateTempSubdirectory("ipv6-agent-diff-");
        try
        {
            File.WriteAllText(Path.Combine(directory.FullName, "a"), before);
            File.WriteAllText(Path.Combine(directory.FullName, "b"), after);
            return Run("/usr/bin/diff", "", "-u", "--label", "a/" + name, "--label", "b/" + name,
                Path.Combine(directory.FullName, "a"), Path.Combine(directory.FullName, "b")).Text;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static (int ExitCode, string Text) Run(string program, string input, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }
}
