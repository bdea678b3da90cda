namespace Ipv6Agent.Testing.Docker;

/// <summary>
/// A named network namespace for one test (<c>ip netns add</c>), with loopback up; deleted on dispose.
/// Everything networked that a test does happens in here, never in the machine's own namespace.
/// </summary>
public sealed class NetworkNamespace : IAsyncDisposable
{
    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    /// <summary>The bind mount that <c>nsenter --net=</c> takes.</summary>
    public string Path => $"/run/netns/{Name}";

    /// <summary>Creates <c>{prefix}-{random}</c>; the prefix keeps parallel helpers' and tests' namespaces apart.</summary>
    public static async Task<NetworkNamespace> CreateAsync(string prefix, CancellationToken ct = default)
    {
        var ns = new NetworkNamespace($"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)]);
        await Sh.CheckedAsync(["ip", "netns", "add", ns.Name], ct);
        try
        {
            await ns.ExecCheckedAsync(["ip", "link", "set", "lo", "up"], ct);
        }
        catch
        {
            await ns.DisposeAsync();
            throw;
        }

        return ns;
    }

    /// <summary>Runs a short command inside (<c>ip netns exec</c>: fine for ip, ping, sysctl; never for dockerd).</summary>
    public Task<ShResult> ExecAsync(IReadOnlyList<string> argv, CancellationToken ct = default) =>
        Sh.RunAsync(["ip", "netns", "exec", Name, .. argv], ct);

    public Task<string> ExecCheckedAsync(IReadOnlyList<string> argv, CancellationToken ct = default) =>
        Sh.CheckedAsync(["ip", "netns", "exec", Name, .. argv], ct);

    public async ValueTask DisposeAsync() => await Sh.RunAsync(["ip", "netns", "delete", Name]);
}
