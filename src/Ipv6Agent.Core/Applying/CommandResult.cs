using System.Text.RegularExpressions;

namespace Ipv6Agent.Applying;

/// <summary>What a configured command did.</summary>
/// <param name="ExitCode">The exit code; <c>-1</c> when it could not start or was killed on timeout.</param>
internal sealed partial record CommandResult(
    string Name,
    string CommandLine,
    int ExitCode,
    string StandardOutput,
    string StandardError,
    TimeSpan Duration,
    bool TimedOut)
{
    /// <summary>Exit codes of the shell (POSIX): the program was not found, or found but not executable.</summary>
    private const int NotFound = 127, NotExecutable = 126;

    /// <summary>Debian packages that provide the programs the agent's default commands run.</summary>
    private static readonly Dictionary<string, string> Packages = new(StringComparer.Ordinal)
    {
        ["netplan"] = "netplan.io", ["systemctl"] = "systemd", ["docker"] = "docker.io", ["nft"] = "nftables",
        ["ip"] = "iproute2", ["sysctl"] = "procps", ["udevadm"] = "udev", ["sh"] = "dash",
    };

    /// <summary>The time the command was given; a killed command's report names it, not how late the kill came.</summary>
    public TimeSpan? Timeout { get; init; }

    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>
    /// Why the command could not run at all, when that is so: a program missing from this host or not executable, or no shell to
    /// start it. Such a failure says nothing about the network, and a report must not let it read as if it did.
    /// </summary>
    public string? NotRunnable
    {
        get
        {
            if (TimedOut) return null;
            if (ExitCode == -1) return $"could not start {CommandRunner.Shell}: {LastLine(StandardError) ?? "unknown error"}";
            if (ExitCode is not (NotFound or NotExecutable)) return null;
            var program = ShellError().Matches(StandardError).LastOrDefault() is { } m ? m.Groups["program"].Value.Trim('\'', '‘', '’') : null;
            if (program is null) return ExitCode == NotFound ? "a program it runs was not found (exit 127)" : "a program it runs is not executable (exit 126)";
            if (ExitCode == NotExecutable) return $"`{program}` is not executable";
            var name = Path.GetFileName(program);
            return Packages.TryGetValue(name, out var package)
                ? $"`{name}` not found: install {package}"
                : $"`{name}` not found: install the package that provides it";
        }
    }

    /// <summary>A sentence for a report: what failed and the last line the command printed.</summary>
    public string Describe()
    {
        if (Succeeded) return $"{Name} ({CommandLine}) succeeded in {Duration.TotalSeconds:0.0} s";
        if (NotRunnable is { } notRunnable) return $"{Name} ({CommandLine}) could not run: {notRunnable}";
        var why = TimedOut ? $"did not finish within {(Timeout ?? Duration).TotalSeconds:0.#} s and was killed" : $"exited with {ExitCode}";
        var last = LastLine(StandardError) ?? LastLine(StandardOutput);
        return last is null ? $"{Name} ({CommandLine}) {why}" : $"{Name} ({CommandLine}) {why}: {last}";
    }

    /// <summary>dash <c>sh: 1: netplan: not found</c>, bash <c>sh: line 1: netplan: command not found</c>, env <c>env: ‘netplan’: No
    /// such file or directory</c>, and <c>sh: 1: ./x: Permission denied</c>.</summary>
    [GeneratedRegex(@"(?:^|: )(?<program>[^\s:]+): (?:not found|command not found|No such file or directory|Permission denied)\s*$", RegexOptions.Multiline)]
    private static partial Regex ShellError();

    private static string? LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
}
