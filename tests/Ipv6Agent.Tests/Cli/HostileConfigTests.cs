using Ipv6Agent.Testing;

namespace Ipv6Agent.Cli;

/// <summary>
/// Configuration written to break the agent (absurd durations, nesting that would overflow a recursive reader, a file
/// of any size): every verb answers 78 with one line that names the key or the limit, never a crash (134).
/// </summary>
public sealed class HostileConfigTests
{
    // Nesting is as deep as fits in the size limit: deeper is refused for its size already (and tested so).
    private static readonly string Huge = new('9', 400);

    public static TheoryData<string, string, string> HostileConfigs => new()
    {
        { "reconcile:\n  interval: 1194h\n", "reconcile.interval: ", "too long" },
        { "reconcile:\n  interval: 4294968s\n", "reconcile.interval: ", "too long" },
        { "reconcile:\n  interval: 25h\n", "reconcile.interval: ", "too long" },
        { $"reconcile:\n  interval: {Huge}h\n", "reconcile.interval: ", "is not a duration" },
        { "reconcile:\n  interval: 999999999999999999h\n", "reconcile.interval: ", "too long" },
        { $"reconcile:\n  interval: 0.{Huge}s\n", "reconcile.interval: ", "is not a duration" },
        { $"reconcile:\n  interval: {string.Concat(Enumerable.Repeat("999999999999h", 500))}\n", "reconcile.interval: ", "is not a duration" },
        { "probe:\n  targets: " + new string('[', 32_000) + new string(']', 32_000) + "\n", "probe.targets: ", "nested deeper than" },
        { "probe: " + string.Concat(Enumerable.Repeat("{a: ", 13_000)) + new string('}', 13_000) + "\n", "probe.a.a.a.", "nested deeper than" },
        { string.Concat(Enumerable.Repeat("- ", 32_000)) + "x\n", "invalid configuration: ", "nested deeper than" },
        { string.Concat(Enumerable.Range(0, 40).Select(i => new string(' ', i) + $"k{i}:\n")) + new string(' ', 40) + "v\n", "k0.k1.k2.", "nested deeper than" },
        { "# padding\n" + string.Concat(Enumerable.Repeat("# a comment line that only takes room in the file\n", 100_000)), "invalid configuration: ", "larger than" },
    };

    [Theory]
    [MemberData(nameof(HostileConfigs))]
    public async Task HostileConfig_EveryVerbExits78WithOneLine(string yaml, string key, string reason)
    {
        var config = BlogHost.WriteConfig(yaml);
        foreach (var verb in new[] { "apply", "status", "run" })
        {
            var run = await AgentProcess.RunAsync(["--config", config, verb], BlogHost.NoDocker, TimeSpan.FromSeconds(60));

            Assert.True(run.ExitCode == 78, $"{verb}: exit {run.ExitCode}\n{Tail(run.StdErr)}");
            var line = Assert.Single(run.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("invalid configuration: ", line, StringComparison.Ordinal);
            Assert.Contains(key, line, StringComparison.Ordinal);
            Assert.Contains(reason, line, StringComparison.Ordinal);
            Assert.True(line.Length < 400, $"{verb}: the error is {line.Length} characters: {Tail(line)}");
        }
    }

    [Fact]
    public async Task ConfigThatNeverEnds_Exits78()
    {
        var run = await AgentProcess.RunAsync(["--config", "/dev/zero", "status"], timeout: TimeSpan.FromSeconds(60));

        Assert.Equal(78, run.ExitCode);
        Assert.Contains("invalid configuration: /dev/zero is larger than", run.StdErr, StringComparison.Ordinal);
    }

    private static string Tail(string text) => text.Length <= 2000 ? text : text[..1000] + " … " + text[^1000..];
}
