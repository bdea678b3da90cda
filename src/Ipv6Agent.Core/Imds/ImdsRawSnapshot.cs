using Ipv6Agent.Addressing;

namespace Ipv6Agent.Imds;

/// <summary>
/// The bodies IMDS returned for one pass, before any parsing; <c>null</c> where an optional key was absent (404).
/// Keeping the raw text apart lets <see cref="ImdsParser"/> be a pure function that tests drive directly.
/// </summary>
internal sealed record ImdsRawSnapshot(
    string InstanceId,
    string Region,
    string PrimaryMac,
    MacAddress InterfaceMac,
    string DeviceNumber,
    string InterfaceId,
    string? Ipv6s,
    string? Ipv6Prefix,
    string? SubnetIpv6Cidrs,
    string? LocalIpv4s = null);
