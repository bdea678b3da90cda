using System.Globalization;
using System.Text.RegularExpressions;
using Ipv6Agent.Packaging.Support;

namespace Ipv6Agent.Packaging;

/// <summary>
/// The unit's exposure as <c>systemd-analyze security</c> rates it stays at or under the goal, and packaging/README.md shows the
/// score the unit really has. Offline (<c>--offline=yes</c>, systemd ≥ 250): the unit file is rated as written, no systemd needed.
/// </summary>
public sealed partial class UnitSecurityTests
{
    /// <summary>The goal of issue 8: at most 2.5 ("OK") for a root service that rewrites the host's network.</summary>
    private const decimal Goal = 2.5m;

    [Fact]
    public async Task Unit_SecurityExposure_IsAtMostTheGoalAndTheReadmeShowsIt()
    {
        var score = await ScoreAsync();

        Assert.True(score <= Goal, $"systemd-analyze security rates ipv6-agent.service {score}, above the goal {Goal}");
        var readme = await File.ReadAllTextAsync(Repository.Path("packaging", "README.md"), TestContext.Current.CancellationToken);
        var shown = ReadmeScore().Match(readme);
        Assert.True(shown.Success, "packaging/README.md does not show the unit's `systemd-analyze security` score");
        Assert.Equal(score, decimal.Parse(shown.Groups["score"].Value, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Unit_WholeRunIsNotWritableAndAptKeysAreReadOnly()
    {
        var unit = await File.ReadAllLinesAsync(Repository.Path("packaging", "systemd", "ipv6-agent.service"), TestContext.Current.CancellationToken);
        var writable = unit.Where(l => l.StartsWith("ReadWritePaths=", StringComparison.Ordinal))
            .SelectMany(l => l["ReadWritePaths=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => p.TrimStart('-', '+'))
            .ToList();

        Assert.DoesNotContain("/run", writable);
        Assert.DoesNotContain("/", writable);
        Assert.Contains(unit, l => l.StartsWith("ReadOnlyPaths=", StringComparison.Ordinal) && l.Contains("/etc/apt/trusted.gpg.d", StringComparison.Ordinal));
        Assert.Contains("Environment=DOTNET_EnableDiagnostics=0", unit);
    }

    private static async Task<decimal> ScoreAsync()
    {
        var unit = Repository.Path("packaging", "systemd", "ipv6-agent.service");
        var analyze = await ProcessRun.RunAsync("systemd-analyze", ["security", "--offline=yes", "--no-pager", unit], TimeSpan.FromMinutes(1));
        var overall = OverallScore().Match(analyze.Stdout + analyze.Stderr);
        Assert.True(overall.Success, analyze.Describe("systemd-analyze security --offline=yes"));
        return decimal.Parse(overall.Groups["score"].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"Overall exposure level for ipv6-agent\.service: (?<score>\d+\.\d)")]
    private static partial Regex OverallScore();

    [GeneratedRegex(@"`systemd-analyze security` score: \*\*(?<score>\d+\.\d)\*\*")]
    private static partial Regex ReadmeScore();
}
