using System.Net;
using Ipv6Agent.Addressing;
using Ipv6Agent.Testbed.Scenarios;

namespace Ipv6Agent.Testbed.Network;

/// <summary>
/// The VPC as the instances see it: one router namespace with a port per instance. Like EC2's
/// VPC router it answers neighbour discovery for the subnet (proxy NDP), is the link-local
/// gateway on every port, delivers every ENI address and delegated prefix to its ENI, hosts
/// the IMDS at <c>[fd00:ec2::254]</c>, and routes to a host outside the VPC.
/// </summary>
internal sealed class VpcRouter(string ns, string internetNs)
{
    /// <summary>The gateway's link-local address on every port (EC2 derives it from the router's MAC).</summary>
    public static readonly IPAddress Gateway = IPAddress.Parse("fe80::1066:30ff:feb8:c008");

    /// <summary>EC2's well-known link-local router address, also on every port.</summary>
    public static readonly IPAddress WellKnownGateway = IPAddress.Parse("fe80:ec2::1");

    public static readonly IPAddress Imds = IPAddress.Parse("fd00:ec2::254");

    /// <summary>A web server inside the VPC that hosts the release tarball for booted instances' user data.</summary>
    public static readonly IPAddress Releases = IPAddress.Parse("fd00:ec2::80");

    /// <summary>The fake EC2 Query API (issue 12), as a VPC interface endpoint would be.</summary>
    public static readonly IPAddress Ec2 = IPAddress.Parse("fd00:ec2::ec2");

    public string Namespace => ns;

    public string InternetNamespace => internetNs;

    public async Task CreateAsync(IPAddress internetHost)
    {
        await Cmd.CheckAsync("ip", "netns", "add", ns);
        await Cmd.CheckAsync("ip", "netns", "add", internetNs);
        await Cmd.IpAsync(ns, "link", "set", "lo", "up");
        await Cmd.IpAsync(internetNs, "link", "set", "lo", "up");
        await Cmd.SysctlAsync(ns, "net.ipv6.conf.all.forwarding", "1");
        await Cmd.SysctlAsync(ns, "net.ipv6.conf.all.proxy_ndp", "1");
        await Cmd.SysctlAsync(ns, "net.ipv6.conf.default.accept_dad", "0");
        await Cmd.IpAsync(ns, "addr", "add", $"{Imds}/128", "dev", "lo");
        await Cmd.IpAsync(ns, "addr", "add", $"{Releases}/128", "dev", "lo");
        await Cmd.IpAsync(ns, "addr", "add", $"{Ec2}/128", "dev", "lo");

        // The internet: one host in its own /64 behind the router.
        var internetNet = Ipv6.NetworkOf(internetHost, 64);
        var routerSide = Ipv6.Add(internetNet.BaseAddress, 0xfe);
        await Cmd.CheckAsync("ip", "link", "add", "eth0", "netns", internetNs, "type", "veth", "peer", "name", "pnet", "netns", ns);
        await Cmd.IpAsync(ns, "addr", "add", $"{routerSide}/64", "dev", "pnet", "nodad");
        await Cmd.IpAsync(ns, "link", "set", "pnet", "up");
        await Cmd.IpAsync(internetNs, "addr", "add", $"{internetHost}/64", "dev", "eth0", "nodad");
        await Cmd.IpAsync(internetNs, "link", "set", "eth0", "up");
        await Cmd.IpAsync(internetNs, "-6", "route", "add", "default", "via", routerSide.ToString(), "dev", "eth0");
    }

    /// <summary>Wires an instance's <c>ens5</c> to a new router port and delivers its addresses there.</summary>
    public async Task AttachAsync(string instanceNs, string port, InstanceSpec instance, int index)
    {
        var routerMac = $"12:66:30:b8:c1:{index:x2}";
        await Cmd.CheckAsync("ip", "link", "add", "ens5", "netns", instanceNs, "address", instance.Mac.ToString(),
            "type", "veth", "peer", "name", port, "netns", ns, "address", routerMac);
        await Cmd.SysctlAsync(ns, $"net.ipv6.conf.{port}.proxy_ndp", "1");
        await Cmd.SysctlAsync(ns, $"net.ipv6.neigh.{port}.proxy_delay", "0");
        await Cmd.IpAsync(ns, "link", "set", port, "up");
        await Cmd.IpAsync(ns, "addr", "add", $"{Gateway}/64", "dev", port, "nodad");
        await Cmd.IpAsync(ns, "addr", "add", $"{WellKnownGateway}/64", "dev", port, "nodad");
        var via = Eui64.LinkLocal(instance.Mac).ToString();
        foreach (var a in instance.Ipv6s)
        {
            await Cmd.IpAsync(ns, "-6", "route", "add", $"{a}/128", "via", via, "dev", port);
        }

        foreach (var p in instance.Ipv6Prefixes)
        {
            await Cmd.IpAsync(ns, "-6", "route", "add", Ipv6.Format(p), "via", via, "dev", port);
        }
    }

    /// <summary>
    /// EC2 answers neighbour discovery for every address of a delegated prefix; Linux proxies single
    /// addresses only. So the router proxies the addresses Docker hands out from a prefix: its first
    /// ones, and for a /80 the ones derived from Docker's container MACs (02:42:ac:11:00:NN).
    /// </summary>
    internal static IEnumerable<IPAddress> LikelyDockerAddresses(IPNetwork prefix)
    {
        for (UInt128 n = 1; n <= 16; n++)
        {
            yield return Ipv6.Add(prefix.BaseAddress, n);
            if (prefix.PrefixLength <= 80) yield return Ipv6.Add(prefix.BaseAddress, 0x0242_ac11_0000UL + (ulong)n);
        }
    }

    /// <summary>Answers neighbour discovery on each port for every address that lives on another port.</summary>
    public async Task ProxyNeighboursAsync(IReadOnlyList<(string Port, InstanceSpec Instance)> ports)
    {
        foreach (var (port, _) in ports)
        {
            foreach (var (other, instance) in ports)
            {
                if (other == port)
                {
                    continue;
                }

                foreach (var a in instance.Ipv6s.Concat(instance.Ipv6Prefixes.SelectMany(LikelyDockerAddresses)))
                {
                    await Cmd.IpAsync(ns, "-6", "neigh", "add", "proxy", a.ToString(), "dev", port);
                }
            }
        }
    }
}
