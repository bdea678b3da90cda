namespace Ipv6Agent.Cli;

internal enum Verb { Run, Apply, Status, Version, Help }

/// <summary>The parsed command line: <c>ipv6-agent [--config FILE] VERB [--dry-run] [--json]</c>.</summary>
internal sealed record CommandLine(Verb Verb, string? ConfigPath, bool DryRun, bool Json)
{
    public const string Usage = """
        usage: ipv6-agent [--config FILE] run                          the service: reconcile now, then every reconcile.interval
               ipv6-agent [--config FILE] apply [--dry-run] [--json]   one reconcile pass, then exit
               ipv6-agent [--config FILE] status [--json]              the last report, read from the status file
               ipv6-agent version

        --config FILE   configuration (default /etc/ipv6-agent/config.yaml; a missing default file means all defaults)
        --dry-run       read everything, change nothing, show the diff of every file that would be written
        --json          print the report as JSON on stdout (logs stay on stderr)
        """;

    /// <summary>Parses <paramref name="args"/>; a <see cref="UsageException"/> says what is wrong (exit 64).</summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        string? config = null;
        Verb? verb = null;
        bool dryRun = false, json = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "--config" or "-c":
                    if (i + 1 >= args.Count || args[i + 1].Length == 0) throw new UsageException("--config needs a file name");
                    config = args[++i];
                    break;
                case var _ when arg.StartsWith("--config=", StringComparison.Ordinal):
                    config = arg["--config=".Length..];
                    if (config.Length == 0) throw new UsageException("--config needs a file name");
                    break;
                case "--dry-run":
                    dryRun = true;
                    break;
                case "--json":
                    json = true;
                    break;
                case "--help" or "-h" or "help":
                    return new CommandLine(Verb.Help, config, false, false);
                case "--version":
                    return new CommandLine(Verb.Version, config, false, false);
                case var _ when arg.StartsWith('-'):
                    throw new UsageException($"unknown option '{arg}'");
                default:
                    if (verb is not null) throw new UsageException($"unexpected argument '{arg}'");
                    verb = arg switch
                    {
                        "run" => Verb.Run,
                        "apply" => Verb.Apply,
                        "status" => Verb.Status,
                        "version" => Verb.Version,
                        _ => throw new UsageException($"unknown command '{arg}'"),
                    };
                    break;
            }
        }
        if (verb is null) throw new UsageException("no command given");
        if (dryRun && verb != Verb.Apply) throw new UsageException("--dry-run goes with apply");
        if (json && verb is not (Verb.Apply or Verb.Status)) throw new UsageException("--json goes with apply or status");
        return new CommandLine(verb.Value, config, dryRun, json);
    }
}

internal sealed class UsageException(string message) : Exception(message);
