namespace Ipv6Agent.Packaging.Support;

/// <summary>Fresh copies of the cached Debian rootfs that packaging/test/rootfs.sh builds once.</summary>
internal static class Rootfs
{
    private static readonly Lazy<Task<string>> Cached = new(BuildOrReuseAsync);

    /// <summary>A private copy of the rootfs at <paramref name="target"/>, a folder that must not exist yet.</summary>
    public static async Task CopyToAsync(string target)
    {
        var cached = await Cached.Value;
        var copy = await ProcessRun.RunAsync("cp", ["-a", "--reflink=auto", cached, target], TimeSpan.FromMinutes(3));
        if (copy.ExitCode != 0)
        {
            throw new InvalidOperationException(copy.Describe("cp rootfs"));
        }
    }

    /// <summary>Removes a tree without crossing into anything still mounted in it.</summary>
    public static async Task RemoveAsync(string folder)
    {
        if (Directory.Exists(folder))
        {
            await ProcessRun.RunAsync("rm", ["-rf", "--one-file-system", folder], TimeSpan.FromMinutes(2));
        }
    }

    private static async Task<string> BuildOrReuseAsync()
    {
        // debootstrap takes a minute or two the first time; later runs reuse the cache.
        var result = await ProcessRun.RunAsync(Repository.Path("packaging", "test", "rootfs.sh"), [], TimeSpan.FromMinutes(15));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(result.Describe("packaging/test/rootfs.sh"));
        }

        return result.Stdout.Trim().Split('\n')[^1];
    }
}
