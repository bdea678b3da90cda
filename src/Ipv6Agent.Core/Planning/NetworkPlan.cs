using System.Net;
using Ipv6Agent.Addressing;

namespace Ipv6Agent.Planning;

/// <summary>Where the Docker CIDR came from.</summary>
public enum AddressSource
{
    /// <summary>An aligned block of the ENI's own addresses.</summary>
    Block,

    /// <summary>The ENI's first delegated prefix.</summary>
    Prefix,
}

/// <summary>The IPv6 layout the host should have. Pure data: what the planner decided.</summary>
/// <param name="InterfaceName">Kernel name of the ENI (e.g. <c>ens5</c>).</param>
/// <param name="NetplanId">The <c>ethernets</c> key that already defines the ENI, so netplan merges our override into it.</param>
/// <param name="HostAddresses">Addresses for the ENI, each with the subnet's prefix length.</param>
/// <param name="Gateway">Link-local default router.</param>
/// <param name="DockerCidr">The block or prefix handed to Docker's bridge.</param>
/// <param name="DockerGateway">docker0's address: <see cref="DockerCidr"/>'s first address + 1.</param>
/// <param name="Ipv6Only">The ENI has no IPv4 address (IPv6-only subnet): DHCPv4 can never finish on it.</param>
public sealed record NetworkPlan(
    AddressSource Source,
    MacAddress Mac,
    string EniId,
    string InterfaceName,
    string NetplanId,
    IReadOnlyList<PrefixedAddress> HostAddresses,
    IPAddress Gateway,
    IPNetwork DockerCidr,
    IPAddress DockerGateway,
    bool Ipv6Only = false);
