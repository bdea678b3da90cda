using Ipv6Agent.Addressing;
using Ipv6Agent.Applying;
using Ipv6Agent.Configuration;
using Ipv6Agent.Rendering.Apt;
using Ipv6Agent.Rendering.Docker;
using Ipv6Agent.Rendering.Netplan;
using Ipv6Agent.Rendering.Sysctl;

namespace Ipv6Agent.Inspecting;

/// <summary>
/// Reads the host's current state, once per pass, through files under the configured root: the kernel's tables
/// (<c>/sys/class/net</c>, <c>/proc/net</c>) and every file the agent may edit. Read-only.
/// </summary>
internal static class HostInspector
{
    /// <summary>Directories whose matching files the planner or renderers read, with the file-name suffixes that count.</summary>
    private static readonly (string Directory, string[] Suffixes)[] Directories =
    [
        ("/etc/netplan", [".yaml"]),
        ("/etc/apt/sources.list.d", [".list", ".sources"]),
    ];

    private static readonly string[] SingleFiles =
    [
        DaemonJsonRenderer.HostPath,
        "/etc/apt/sources.list",
        AptForceIpv6Renderer.HostPath,
        SysctlRenderer.HostPath,
        CloudInitNetworkRenderer.CloudConfigPath,
        CloudInitNetworkRenderer.HostPath,
    ];

    public static HostSnapshot Read(AgentOptions options, Version? dockerVersion)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var hostPath in SingleFiles)
            TryRead(options, hostPath, files);
        foreach (var (directory, suffixes) in Directories)
        {
            // The directory too may be a link (inside the root, or refused).
            var full = RootedPath.Resolve(options.Root, directory);
            if (!Directory.Exists(full)) continue;
            foreach (var path in Directory.EnumerateFiles(full))
            {
                if (suffixes.Any(s => path.EndsWith(s, StringComparison.Ordinal)))
                    TryRead(options, directory + "/" + Path.GetFileName(path), files);
            }
        }

        var routeText = ReadOrNull(options.PathOf(ProcNet.Ipv4Route));
        return new HostSnapshot(
            Interfaces(options),
            Routes(options),
            // Without the kernel's IPv4 table (a test root, a chroot) assume IPv4 works: forcing apt onto IPv6 is the riskier guess.
            HasIpv4DefaultRoute: routeText is null || ProcNet.HasIpv4DefaultRoute(routeText),
            files,
            dockerVersion);
    }

    /// <summary>The kernel's IPv6 routes (<c>/proc/net/ipv6_route</c>), for checks after a change.</summary>
    public static IReadOnlyList<KernelRoute> Routes(AgentOptions options) =>
        ProcNet.ParseIpv6Routes(ReadOrNull(options.PathOf(ProcNet.Ipv6Route)) ?? "");

    /// <summary>The kernel's addresses (<c>/proc/net/if_inet6</c>), for checks after a change.</summary>
    public static IReadOnlyList<KernelAddress> Addresses(AgentOptions options) =>
        ProcNet.ParseIfInet6(ReadOrNull(options.PathOf(ProcNet.IfInet6)) ?? "");

    private static List<KernelInterface> Interfaces(AgentOptions options)
    {
        var classNet = options.PathOf("/sys/class/net");
        if (!Directory.Exists(classNet)) return [];
        return Directory.EnumerateFileSystemEntries(classNet)
            .Select(dir => new KernelInterface(
                Path.GetFileName(dir),
                MacAddress.TryParse(ReadOrNull(Path.Join(dir, "address")), out var mac) ? mac : null))
            .OrderBy(i => i.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>A file the agent may edit: links resolved inside the root, every byte kept (<see cref="HostFile"/>).</summary>
    private static void TryRead(AgentOptions options, string hostPath, Dictionary<string, string> files)
    {
        if (HostFile.ReadText(options.Root, hostPath) is { } text)
            files[hostPath] = text;
    }

    /// <summary>The kernel's own tables (<c>/proc</c>, <c>/sys</c>): read as text, never edited.</summary>
    private static string? ReadOrNull(string path)
    {
        try
        {
            // A FIFO planted in a root's /sys or /proc would block the pass for ever.
            if (Posix.TryIdentify(path, followLinks: true) is { Type: not FileKind.Regular } other)
                throw NotRegularFileException.For(path, other.Type);
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
