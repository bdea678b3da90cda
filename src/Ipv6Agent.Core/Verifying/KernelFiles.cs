using System.Globalization;
using System.Net;
using Ipv6Agent.Host;

namespace Ipv6Agent.Verifying;

/// <summary>An address the kernel holds, from <c>/proc/net/if_inet6</c>.</summary>
/// <param name="Flags">IFA_F_* flags (0x40 tentative, 0x08 DAD failed).</param>
internal sealed record KernelAddress(IPAddress Address, int PrefixLength, string Device, int Flags)
{
    public bool Tentative => (Flags & 0x40) != 0;
    public bool DadFailed => (Flags & 0x08) != 0;
}

/// <summary>
/// Small readers for the two <c>/proc/net</c> files the checks need, read under the configured root.
/// The lead's Host/ProcNet parsers cover the same files for the snapshot; these can be replaced by them.
/// </summary>
internal static class KernelFiles
{
    public const string IfInet6 = "/proc/net/if_inet6";
    public const string Ipv6Route = "/proc/net/ipv6_route";

    /// <summary>Lines like <c>20010db8000100000000000000000009 02 7e 00 80  docker0</c>; malformed lines are skipped.</summary>
    public static IReadOnlyList<KernelAddress> ParseIfInet6(string text)
    {
        var result = new List<KernelAddress>();
        foreach (var line in text.Split('\n'))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 6 || !TryParseHexAddress(f[0], out var address)) continue;
            if (!int.TryParse(f[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var length)) continue;
            if (!int.TryParse(f[4], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var flags)) continue;
            result.Add(new KernelAddress(address, length, f[5], flags));
        }

        return result;
    }

    /// <summary>Lines of <c>/proc/net/ipv6_route</c>: dest, dest len, src, src len, next hop, metric, refcnt, use, flags, device.</summary>
    public static IReadOnlyList<KernelRoute> ParseIpv6Route(string text)
    {
        var result = new List<KernelRoute>();
        foreach (var line in text.Split('\n'))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 10 || !TryParseHexAddress(f[0], out var destination) || !TryParseHexAddress(f[4], out var nextHop)) continue;
            if (!int.TryParse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var length) || length > 128) continue;
            if (!uint.TryParse(f[5], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var metric)) continue;
            result.Add(new KernelRoute(Addressing.Ipv6.NetworkOf(destination, length), nextHop, f[9], metric));
        }

        return result;
    }

    private static bool TryParseHexAddress(string hex, out IPAddress address)
    {
        address = IPAddress.IPv6None;
        if (hex.Length != 32) return false;
        Span<byte> bytes = stackalloc byte[16];
        for (var i = 0; i < 16; i++)
        {
            if (!byte.TryParse(hex.AsSpan(i * 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out bytes[i])) return false;
        }

        address = new IPAddress(bytes);
        return true;
    }
}
