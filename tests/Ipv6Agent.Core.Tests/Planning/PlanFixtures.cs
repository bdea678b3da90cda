using System.Net;
using Ipv6Agent.Addressing;
using Ipv6Agent.Inspecting;
using Ipv6Agent.Imds;

namespace Ipv6Agent.Planning;

/// <summary>Builders for the blog's instances and variations of them.</summary>
internal static class PlanFixtures
{
    public const string Subnet = "2001:db8:47b:ca03::/64";
    public static readonly MacAddress Mac = MacAddress.Parse("12:fb:b4:8b:15:f8");

    public static ImdsSnapshot EniSnapshot(IEnumerable<string> ipv6s, IEnumerable<string>? prefixes = null, IEnumerable<string>? subnets = null) =>
        new("i-0123456789abcdef0", "us-east-1", Mac,
            new ImdsInterface(Mac, 0, "eni-0a1b2c3d4e5f67890",
                ipv6s.Select(IPAddress.Parse).OrderBy(Ipv6.ToUInt128).ToList(),
                (prefixes ?? []).Select(Net).ToList(),
                (subnets ?? [Subnet]).Select(Net).ToList()));

    public static ImdsSnapshot Blog1 => EniSnapshot(Addresses("::8", "::9", "::a", "::b", "::1:1"));

    public static IEnumerable<string> Addresses(params string[] suffixes) => suffixes.Select(s => "2001:db8:47b:ca03" + (s.StartsWith("::") ? s : ":" + s));

    public static HostSnapshot HostState(string? defaultRouter = "fe80::1066:30ff:feb8:c008", string kernelName = "ens5", params (string Path, string Text)[] files)
    {
        var routes = defaultRouter is null
            ? new List<KernelRoute>()
            : [new KernelRoute(new IPNetwork(IPAddress.IPv6Any, 0), IPAddress.Parse(defaultRouter), kernelName, 1024)];
        return new HostSnapshot(
            [new KernelInterface("lo", null), new KernelInterface(kernelName, Mac)],
            routes,
            HasIpv4DefaultRoute: true,
            files.ToDictionary(f => f.Path, f => f.Text),
            DockerVersion: new Version(20, 10, 24));
    }

    public static IPNetwork Net(string text) => Ipv6.TryParseNetwork(text, out var n) ? n : throw new FormatException(text);
}
