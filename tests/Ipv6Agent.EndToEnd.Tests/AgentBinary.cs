using Ipv6Agent.Testbed;
using Ipv6Agent.Testbed.Network;

namespace Ipv6Agent.EndToEnd;

/// <summary>
/// The agent under test: <c>IPV6_AGENT</c> when set (a published <c>ipv6-agent</c>), else published
/// once per test run from this checkout with the contract's command.
/// </summary>
internal static class AgentBinary
{
    private static readonly SemaphoreSlim Gate = new(1);
    private static string? _path;

    public static async Task<string> PathAsync()
    {
        if (Environment.GetEnvironmentVariable("IPV6_AGENT") is { Length: > 0 } given)
        {
            return File.Exists(given) ? given : throw new InvalidOperationException($"IPV6_AGENT={given} does not exist");
        }

        await Gate.WaitAsync();
        try
        {
            if (_path is not null) return _path;
            var repo = RepoRoot();
            var output = Path.Combine(Path.GetTempPath(), "ipv6-agent-e2e-" + Environment.ProcessId);
            var r = await Cmd.RunAsync("dotnet",
                ["publish", Path.Combine(repo, "src/Ipv6Agent/Ipv6Agent.csproj"), "-c", "Release", "-o", output, "--nologo", "-v", "q"],
                TimeSpan.FromMinutes(5));
            if (!r.Ok) throw new InvalidOperationException($"dotnet publish failed:\n{r.StdOut}\n{r.StdErr}");
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(output, recursive: true);
            return _path = Path.Combine(output, "ipv6-agent");
        }
        finally
        {
            Gate.Release();
        }
    }

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Ipv6Agent.sln"))) return d.FullName;
        }

        throw new InvalidOperationException("cannot find Ipv6Agent.sln above the test binaries; set IPV6_AGENT");
    }
}
