using Ipv6Agent.Addressing;

namespace Ipv6Agent.Imds;

/// <summary>The IMDS keys the agent reads, relative to <c>/latest/meta-data/</c>.</summary>
internal static class ImdsPaths
{
    public const string TokenPath = "/latest/api/token";
    public const string MetaDataRoot = "/latest/meta-data/";
    public const string TokenTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";
    public const string TokenHeader = "X-aws-ec2-metadata-token";

    public const string InstanceId = "instance-id";
    public const string Region = "placement/region";
    public const string PrimaryMac = "mac";
    public const string Macs = "network/interfaces/macs/";

    public const string DeviceNumber = "device-number";
    public const string InterfaceId = "interface-id";

    // Only these three may be absent (404): EC2 omits them when the ENI, its prefixes or its subnet have no IPv6.
    public const string Ipv6s = "ipv6s";
    public const string Ipv6Prefix = "ipv6-prefix";
    public const string SubnetIpv6Cidrs = "subnet-ipv6-cidr-blocks";

    // Absent (404) on an ENI in an IPv6-only subnet: it has no IPv4 address, so no DHCPv4 server answers it.
    public const string LocalIpv4s = "local-ipv4s";

    public static string Interface(MacAddress mac) => $"{Macs}{mac}/";

    public static string InterfaceKey(MacAddress mac, string key) => $"{Interface(mac)}{key}";
}
