using System.Net;
using Ipv6Agent.Addressing;
using Ipv6Agent.Planning;

namespace Ipv6Agent.Rendering;

/// <summary>
/// The plan from the blog's example instance: ENI ipv6s ::8 ::9 ::a ::b ::1:1 in a /64, Docker gets the aligned ::8/126 and the
/// host keeps ::1:1/64.
/// </summary>
internal static class BlogPlan
{
    public static readonly IPNetwork DockerCidr = IPNetwork.Parse("2001:db8:47b:ca03::8/126");

    public static NetworkPlan Create(string netplanId = "ens5", string interfaceName = "ens5") => new(
        AddressSource.Block,
        MacAddress.Parse("12:fb:b4:8b:15:f8"),
        "eni-0a1b2c3d4e5f60718",
        interfaceName,
        netplanId,
        [new PrefixedAddress(IPAddress.Parse("2001:db8:47b:ca03::1:1"), 64)],
        IPAddress.Parse("fe80::1066:30ff:feb8:c008"),
        DockerCidr,
        IPAddress.Parse("2001:db8:47b:ca03::9"));
}
