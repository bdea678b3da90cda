using System.Net;
using Ipv6Agent.Addressing;

namespace Ipv6Agent.Inspecting;

/// <summary>What the host looks like now: kernel facts and the text of every file the agent may change. Read once per pass.</summary>
/// <param name="Interfaces">Kernel interfaces with their MACs (<c>/sys/class/net</c>).</param>
/// <param name="Ipv6Routes">The kernel's IPv6 routes (<c>/proc/net/ipv6_route</c>).</param>
/// <param name="HasIpv4DefaultRoute">Whether <c>/proc/net/route</c> has an IPv4 default route.</param>
/// <param name="Files">Current text of every file the agent reads, by host path; a missing file is absent from the map.</param>
/// <param name="DockerVersion">The running engine's version, <c>null</c> when the engine does not answer.</param>
internal sealed record HostSnapshot(
    IReadOnlyList<KernelInterface> Interfaces,
    IReadOnlyList<KernelRoute> Ipv6Routes,
    bool HasIpv4DefaultRoute,
    IReadOnlyDictionary<string, string> Files,
    Version? DockerVersion)
{
    public string? InterfaceNameOf(MacAddress mac) => Interfaces.FirstOrDefault(i => i.Mac == mac)?.Name;

    /// <summary>Host paths of the files under <paramref name="directory"/> whose name ends with <paramref name="suffix"/>, in name order.</summary>
    public IEnumerable<string> FilesIn(string directory, string suffix) =>
        Files.Keys.Where(p => Path.GetDirectoryName(p) == directory.TrimEnd('/') && p.EndsWith(suffix, StringComparison.Ordinal))
             .Order(StringComparer.Ordinal);

    public string? TextOf(string hostPath) => Files.TryGetValue(hostPath, out var text) ? text : null;
}

internal sealed record KernelInterface(string Name, MacAddress? Mac);

/// <summary>One line of <c>/proc/net/ipv6_route</c>.</summary>
internal sealed record KernelRoute(IPNetwork Destination, IPAddress NextHop, string Device, uint Metric);
