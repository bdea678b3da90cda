using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Ipv6Agent.Addressing;
using Ipv6Agent.Reporting;

namespace Ipv6Agent.Imds;

/// <summary>
/// Turns IMDS text into typed values, once, and refuses anything impossible with a message that quotes it.
/// IMDS prints addresses uncompressed (<c>2600:1f18:47b:ca03:0:0:0:8</c>), one per line, in no promised order;
/// everything here compares numerically, never as text.
/// </summary>
internal static partial class ImdsParser
{
    private const int MaxQuoted = 80;

    // What EC2 can give one ENI, with room to spare: at most 50 IPv6 addresses on the largest instance types, delegated
    // prefixes counted against the same quota, one IPv6 CIDR per subnet. More is not EC2's answer, and would only cost
    // the planner time and memory.
    internal const int MaxAddresses = 64;
    internal const int MaxPrefixes = 64;
    internal const int MaxSubnets = 8;

    /// <summary>Global unicast (RFC 4291 §2.4): every address and prefix EC2 assigns lies in it.</summary>
    private static readonly IPNetwork GlobalUnicast = IPNetwork.Parse("2000::/3");

    public static ImdsSnapshot Snapshot(ImdsRawSnapshot raw)
    {
        var mac = raw.InterfaceMac;
        var eni = Interface(
            mac,
            DeviceNumber(ImdsPaths.InterfaceKey(mac, ImdsPaths.DeviceNumber), raw.DeviceNumber),
            InterfaceId(ImdsPaths.InterfaceKey(mac, ImdsPaths.InterfaceId), raw.InterfaceId),
            EniAddresses(ImdsPaths.InterfaceKey(mac, ImdsPaths.Ipv6s), raw.Ipv6s),
            EniNetworks(ImdsPaths.InterfaceKey(mac, ImdsPaths.Ipv6Prefix), raw.Ipv6Prefix, MaxPrefixes, "delegated prefixes", 64, 126),
            EniNetworks(ImdsPaths.InterfaceKey(mac, ImdsPaths.SubnetIpv6Cidrs), raw.SubnetIpv6Cidrs, MaxSubnets, "subnet IPv6 CIDR blocks", 32, 64));
        return new ImdsSnapshot(
            InstanceId(raw.InstanceId),
            Region(raw.Region),
            Mac(ImdsPaths.PrimaryMac, raw.PrimaryMac),
            // Only whether the key has an address matters (the agent never uses IPv4 addresses), so its text is not parsed.
            eni with { HasIpv4 = !string.IsNullOrWhiteSpace(raw.LocalIpv4s) });
    }

    /// <summary>Checks that the ENI's addresses and delegated prefixes lie inside its subnet, as EC2 guarantees.</summary>
    public static ImdsInterface Interface(
        MacAddress mac, int deviceNumber, string interfaceId,
        IReadOnlyList<IPAddress> ipv6s, IReadOnlyList<IPNetwork> prefixes, IReadOnlyList<IPNetwork> subnets)
    {
        var subnetText = subnets.Count == 0 ? "the subnet has none" : string.Join(", ", subnets.Select(Ipv6.Format));
        foreach (var address in ipv6s)
        {
            if (!subnets.Any(s => s.Contains(address)))
                throw new ImdsException(
                    $"IMDS lists {Ipv6.Format(address)} in {ImdsPaths.InterfaceKey(mac, ImdsPaths.Ipv6s)} of {interfaceId}, " +
                    $"but it lies outside every subnet IPv6 CIDR ({subnetText}); IMDS data is inconsistent, try again later.");
        }
        foreach (var prefix in prefixes)
        {
            if (!subnets.Any(s => s.PrefixLength <= prefix.PrefixLength && s.Contains(prefix.BaseAddress)))
                throw new ImdsException(
                    $"IMDS lists the delegated prefix {Ipv6.Format(prefix)} in {ImdsPaths.InterfaceKey(mac, ImdsPaths.Ipv6Prefix)} of {interfaceId}, " +
                    $"but it lies outside every subnet IPv6 CIDR ({subnetText}); IMDS data is inconsistent, try again later.");
        }
        return new ImdsInterface(mac, deviceNumber, interfaceId, ipv6s, prefixes, subnets);
    }

    public static string InstanceId(string text) =>
        Single(ImdsPaths.InstanceId, text, InstanceIdPattern(), "an instance ID (e.g. i-0123456789abcdef0)");

    public static string Region(string text) =>
        Single(ImdsPaths.Region, text, RegionPattern(), "a region name (e.g. us-east-1)");

    public static string InterfaceId(string key, string text) =>
        Single(key, text, InterfaceIdPattern(), "an ENI ID (e.g. eni-0123456789abcdef0)");

    public static MacAddress Mac(string key, string text)
    {
        var value = text.Trim();
        return MacAddress.TryParse(value, out var mac) && value.Length == 17
            ? mac
            : throw Bad(key, value, "which is not a MAC address (expected six hex pairs, e.g. 12:fb:b4:8b:15:f8)");
    }

    public static int DeviceNumber(string key, string text)
    {
        var value = text.Trim();
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && value.Length <= 4
            ? number
            : throw Bad(key, value, "which is not a device number (expected a whole number such as 0)");
    }

    /// <summary>A directory listing (<c>network/interfaces/macs/</c>): one <c>mac/</c> per line.</summary>
    public static IReadOnlyList<MacAddress> MacListing(string text) =>
        Lines(text).Select(line => Mac(ImdsPaths.Macs, line.TrimEnd('/'))).Distinct().OrderBy(m => m.ToString(), StringComparer.Ordinal).ToList();

    /// <summary>An ENI's addresses: at most <see cref="MaxAddresses"/>, each global unicast.</summary>
    public static IReadOnlyList<IPAddress> EniAddresses(string key, string? text)
    {
        var count = Lines(text).Count();
        if (count > MaxAddresses)
            throw new ImdsException(
                $"IMDS lists {count} IPv6 addresses in {key}; an ENI has at most 50 (the agent takes up to {MaxAddresses}), so this is not EC2's answer.");
        var addresses = Addresses(key, text);
        foreach (var address in addresses)
        {
            if (!GlobalUnicast.Contains(address))
                throw Bad(key, Ipv6.Format(address), "which is not a global unicast address (EC2 assigns addresses from 2000::/3)");
        }
        return addresses;
    }

    /// <summary>An ENI's prefixes or subnets: at most <paramref name="max"/>, each global unicast, lengths EC2 uses.</summary>
    public static IReadOnlyList<IPNetwork> EniNetworks(string key, string? text, int max, string what, int shortest, int longest)
    {
        var count = Lines(text).Count();
        if (count > max)
            throw new ImdsException($"IMDS lists {count} {what} in {key}; the agent takes up to {max}, more than EC2 gives one ENI, so this is not EC2's answer.");
        var networks = Networks(key, text);
        foreach (var network in networks)
        {
            if (network.PrefixLength < 3 || !GlobalUnicast.Contains(network.BaseAddress))
                throw Bad(key, Ipv6.Format(network), "which is not a global unicast prefix (EC2's lie in 2000::/3)");
            if (network.PrefixLength < shortest || network.PrefixLength > longest)
                throw Bad(key, Ipv6.Format(network), $"a /{network.PrefixLength}, where EC2 {what.Replace(" IPv6 CIDR blocks", "s", StringComparison.Ordinal)} are /{shortest} to /{longest}");
        }
        return networks;
    }

    /// <summary>One IPv6 address per line; <c>null</c> (key absent) is no address. Sorted ascending.</summary>
    public static IReadOnlyList<IPAddress> Addresses(string key, string? text)
    {
        var addresses = new List<IPAddress>();
        foreach (var line in Lines(text))
        {
            var address = Address(key, line);
            if (addresses.Any(a => a.Equals(address)))
                throw Bad(key, line, "which is listed twice");
            addresses.Add(address);
        }
        addresses.Sort((a, b) => Ipv6.ToUInt128(a).CompareTo(Ipv6.ToUInt128(b)));
        return addresses;
    }

    /// <summary>One IPv6 CIDR per line, host bits refused; <c>null</c> (key absent) is none. Sorted ascending.</summary>
    public static IReadOnlyList<IPNetwork> Networks(string key, string? text)
    {
        var networks = new List<IPNetwork>();
        foreach (var line in Lines(text))
        {
            var network = Network(key, line);
            if (networks.Contains(network))
                throw Bad(key, line, "which is listed twice");
            networks.Add(network);
        }
        networks.Sort((a, b) =>
        {
            var byAddress = Ipv6.ToUInt128(a.BaseAddress).CompareTo(Ipv6.ToUInt128(b.BaseAddress));
            return byAddress != 0 ? byAddress : a.PrefixLength.CompareTo(b.PrefixLength);
        });
        return networks;
    }

    public static IPAddress Address(string key, string text)
    {
        // IPAddress.TryParse also takes "8" (0.0.0.8), "[::1]" and "::1%eth0"; IMDS never prints those.
        if (!LooksLikeAddress(text) || !IPAddress.TryParse(text, out var address)
            || (address.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3))
            throw Bad(key, text, "which is not an IPv6 address");
        if (address.AddressFamily == AddressFamily.InterNetwork || address.IsIPv4MappedToIPv6)
            throw Bad(key, text, "an IPv4 address where IPv6 is expected");
        return address;
    }

    public static IPNetwork Network(string key, string text)
    {
        var slash = text.IndexOf('/');
        if (slash <= 0 || !LooksLikeAddress(text[..slash]) || !PrefixedAddress.TryParse(text, out var prefixed))
            throw Bad(key, text, "which is not an IPv6 prefix (expected e.g. 2001:db8:47b:ca03::/64)");
        if (prefixed.Address.AddressFamily == AddressFamily.InterNetwork || prefixed.Address.IsIPv4MappedToIPv6)
            throw Bad(key, text, "an IPv4 prefix where IPv6 is expected");
        if (!Ipv6.TryParseNetwork(text, out var network))
            throw Bad(key, text, $"which has host bits set (the network would be {Ipv6.Format(prefixed.Network)})");
        return network;
    }

    private static string Single(string key, string text, Regex pattern, string expected)
    {
        var value = text.Trim();
        return pattern.IsMatch(value) ? value : throw Bad(key, value, $"which is not {expected}");
    }

    private static IEnumerable<string> Lines(string? text) =>
        (text ?? "").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0);

    private static bool LooksLikeAddress(string text) =>
        text.Length > 0 && text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.');

    private static ImdsException Bad(string key, string value, string what) =>
        new($"IMDS returned '{Quote(value)}' for {key}, {what}.");

    private static string Quote(string value)
    {
        var oneLine = SafeText.OneLine(value);
        return oneLine.Length <= MaxQuoted ? oneLine : oneLine[..MaxQuoted] + "…";
    }

    [GeneratedRegex("^i-[0-9a-f]{8,32}$")]
    private static partial Regex InstanceIdPattern();

    [GeneratedRegex("^eni-[0-9a-f]{8,32}$")]
    private static partial Regex InterfaceIdPattern();

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionPattern();
}
