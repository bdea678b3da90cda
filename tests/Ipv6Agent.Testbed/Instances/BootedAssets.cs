using Ipv6Agent.Testbed.Network;
using Ipv6Agent.Testing;

namespace Ipv6Agent.Testbed.Instances;

/// <summary>
/// What booted instances need from outside the testbed: a cached rootfs per stack
/// (scripts/booted-rootfs.sh, cache <c>/var/cache/ipv6-agent-testbed</c> or
/// <c>IPV6_AGENT_ROOTFS_CACHE</c>) and the release tarball (<c>IPV6_AGENT_RELEASE</c>, else built once
/// per process by packaging/build-release.sh for amd64).
/// </summary>
internal static class BootedAssets
{
    private static readonly SemaphoreSlim Gate = new(1);
    private static readonly Dictionary<Stack, Task<string>> Rootfs = [];
    private static Task<string>? _release;

    public static string UserDataTemplate => Path.Combine(AppContext.BaseDirectory, "booted", "user-data.yaml");

    public static async Task<Booted> ForAsync(Stack stack)
    {
        var rootfs = RootfsAsync(stack);
        var release = ReleaseAsync();
        return new Booted(stack, await rootfs, await release, UserDataTemplate);
    }

    /// <summary>Starts (or joins) the cached build of every stack's rootfs; they build in parallel.</summary>
    public static void Warm(IEnumerable<Stack> stacks)
    {
        foreach (var s in stacks) _ = RootfsAsync(s);
    }

    public static Task<string> RootfsAsync(Stack stack)
    {
        lock (Rootfs)
        {
            if (!Rootfs.TryGetValue(stack, out var task)) Rootfs[stack] = task = BuildRootfsAsync(stack);
            return task;
        }
    }

    private static async Task<string> BuildRootfsAsync(Stack stack)
    {
        string[] args = ["--suite", stack.ToString().ToLowerInvariant()];
        if (Environment.GetEnvironmentVariable("IPV6_AGENT_ROOTFS_CACHE") is { Length: > 0 } cache) args = [.. args, "--cache", cache];
        var r = await Cmd.RunAsync(Path.Combine(AppContext.BaseDirectory, "scripts", "booted-rootfs.sh"), args, TimeSpan.FromMinutes(40));
        if (!r.Ok) throw new TestbedException($"booted-rootfs.sh {string.Join(' ', args)} failed: {r.StdErr}");
        return r.StdOut.Trim();
    }

    public static Task<string> ReleaseAsync()
    {
        lock (Gate)
        {
            return _release ??= BuildReleaseAsync();
        }
    }

    private static async Task<string> BuildReleaseAsync()
    {
        if (Environment.GetEnvironmentVariable("IPV6_AGENT_RELEASE") is { Length: > 0 } given)
        {
            return File.Exists(given) ? given : throw new TestbedException($"IPV6_AGENT_RELEASE={given} does not exist");
        }

        var output = Path.Combine(Path.GetTempPath(), "ipv6-agent-release-" + Environment.ProcessId);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        };
        var r = await Cmd.RunAsync(Path.Combine(AgentBinary.RepoRoot(), "packaging", "build-release.sh"), ["--arch", "amd64", "--out", output], TimeSpan.FromMinutes(15));
        if (!r.Ok) throw new TestbedException($"packaging/build-release.sh failed: {r.StdErr}");
        return Directory.GetFiles(output, "ipv6-agent_*.tar.gz").Single();
    }
}
