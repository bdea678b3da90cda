using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace Ipv6Agent.Addressing;

/// <summary>IPv6 arithmetic on 128-bit integers, and parsing that never lets host bits vanish silently.</summary>
internal static class Ipv6
{
    public static UInt128 ToUInt128(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            throw new ArgumentException($"{address} is not an IPv6 address", nameof(address));
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    public static IPAddress FromUInt128(UInt128 value)
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    public static UInt128 Mask(int prefixLength) =>
        prefixLength == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - prefixLength);

    public static IPNetwork NetworkOf(IPAddress address, int prefixLength) =>
        new(FromUInt128(ToUInt128(address) & Mask(prefixLength)), prefixLength);

    public static IPAddress Add(IPAddress address, UInt128 offset) => FromUInt128(ToUInt128(address) + offset);

    /// <summary>Number of addresses in an IPv6 network, saturating at <see cref="UInt128.MaxValue"/> for ::/0.</summary>
    public static UInt128 Size(IPNetwork network) =>
        network.PrefixLength == 0 ? UInt128.MaxValue : UInt128.One << (128 - network.PrefixLength);

    /// <summary>
    /// Parses <c>addr/len</c> as a network and refuses host bits (.NET 10 <see cref="IPNetwork.Parse(string)"/> would clear them
    /// and hide malformed data from IMDS).
    /// </summary>
    public static bool TryParseNetwork(string? text, out IPNetwork network)
    {
        network = default;
        if (!PrefixedAddress.TryParse(text, out var prefixed)) return false;
        if (prefixed.Address.AddressFamily != AddressFamily.InterNetworkV6) return false;
        if (prefixed.Address.ScopeId != 0) return false;
        var candidate = prefixed.Network;
        if (!candidate.BaseAddress.Equals(prefixed.Address)) return false;
        network = candidate;
        return true;
    }

    /// <summary>RFC 5952 text (lower case, longest zero run compressed), which is what <see cref="IPAddress.ToString"/> prints for IPv6.</summary>
    public static string Format(IPAddress address) => address.ToString();

    public static string Format(IPNetwork network) => $"{Format(network.BaseAddress)}/{network.PrefixLength}";

    internal static int Log2(UInt128 value) => 127 - (int)UInt128.LeadingZeroCount(value);
}
