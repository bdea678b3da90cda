namespace Ipv6Agent.Applying;

/// <summary>What a configured command did.</summary>
/// <param name="ExitCode">The exit code; <c>-1</c> when it could not start or was killed on timeout.</param>
internal sealed record CommandResult(
    string Name,
    string CommandLine,
    int ExitCode,
    string StandardOutput,
    string StandardError,
    TimeSpan Duration,
    bool TimedOut)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>A sentence for a report: what failed and the last line the command printed.</summary>
    public string Describe()
    {
        if (Succeeded) return $"{Name} ({CommandLine}) succeeded in {Duration.TotalSeconds:0.0} s";
        var why = TimedOut ? $"did not finish within {Duration.TotalSeconds:0} s and was killed" : $"exited with {ExitCode}";
        var last = LastLine(StandardError) ?? LastLine(StandardOutput);
        return last is null ? $"{Name} ({CommandLine}) {why}" : $"{Name} ({CommandLine}) {why}: {last}";
    }

    private static string? LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
}
