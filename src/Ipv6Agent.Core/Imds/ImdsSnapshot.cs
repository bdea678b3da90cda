using System.Net;
using Ipv6Agent.Addressing;

namespace Ipv6Agent.Imds;

/// <summary>What the instance metadata service says about this instance and the chosen ENI, parsed and validated.</summary>
internal sealed record ImdsSnapshot(
    string InstanceId,
    string Region,
    MacAddress PrimaryMac,
    ImdsInterface Interface);

/// <summary>One ENI as IMDS describes it under <c>network/interfaces/macs/{mac}/</c>.</summary>
/// <param name="Ipv6s">Every IPv6 address of the ENI, sorted ascending.</param>
/// <param name="Ipv6Prefixes">Delegated prefixes (<c>ipv6-prefix</c>), sorted ascending; empty when the key is absent.</param>
/// <param name="SubnetIpv6Cidrs">The subnet's IPv6 CIDR blocks (<c>subnet-ipv6-cidr-blocks</c>).</param>
/// <param name="HasIpv4">Whether IMDS lists IPv4 addresses for the ENI (<c>local-ipv4s</c>); <c>false</c> in an IPv6-only subnet.</param>
internal sealed record ImdsInterface(
    MacAddress Mac,
    int DeviceNumber,
    string InterfaceId,
    IReadOnlyList<IPAddress> Ipv6s,
    IReadOnlyList<IPNetwork> Ipv6Prefixes,
    IReadOnlyList<IPNetwork> SubnetIpv6Cidrs,
    bool HasIpv4 = true);
