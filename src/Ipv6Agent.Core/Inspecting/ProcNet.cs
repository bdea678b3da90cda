using System.Globalization;
using System.Net;
using Ipv6Agent.Addressing;

namespace Ipv6Agent.Inspecting;

/// <summary>
/// Parsers for the kernel's text tables under <c>/proc/net</c>. They are read as files (under the configured root)
/// rather than through netlink so a test root or a chroot can supply them, and so a pass costs a few reads, no process.
/// </summary>
internal static class ProcNet
{
    public const string IfInet6 = "/proc/net/if_inet6";
    public const string Ipv6Route = "/proc/net/ipv6_route";
    public const string Ipv4Route = "/proc/net/route";

    /// <summary><c>/proc/net/ipv6_route</c>: dest, dest len, src, src len, next hop, metric, refcnt, use, flags, device (hex fields).</summary>
    public static IReadOnlyList<KernelRoute> ParseIpv6Routes(string text)
    {
        var routes = new List<KernelRoute>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 10 || !TryHexAddress(f[0], out var dest) || !TryHexAddress(f[4], out var nextHop)
                || !int.TryParse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var len) || len > 128
                || !uint.TryParse(f[5], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var metric)
                || !uint.TryParse(f[8], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var flags))
                continue;
            // RTF_REJECT (0x200): the kernel's "unreachable" placeholders, not real routes.
            if ((flags & 0x200) != 0) continue;
            routes.Add(new KernelRoute(Ipv6.NetworkOf(dest, len), nextHop, f[9], metric));
        }
        return routes;
    }

    /// <summary><c>/proc/net/if_inet6</c>: address, ifindex, prefix length, scope, flags, device.</summary>
    public static IReadOnlyList<KernelAddress> ParseIfInet6(string text)
    {
        var addresses = new List<KernelAddress>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 6 || !TryHexAddress(f[0], out var address)
                || !int.TryParse(f[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var len) || len > 128
                || !uint.TryParse(f[4], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var flags))
                continue;
            addresses.Add(new KernelAddress(f[5], new PrefixedAddress(address, len), flags));
        }
        return addresses;
    }

    /// <summary>Whether <c>/proc/net/route</c> (IPv4) has an up default route.</summary>
    public static bool HasIpv4DefaultRoute(string text)
    {
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var f = line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 8) continue;
            if (f[1] == "00000000" && f[7] == "00000000"
                && uint.TryParse(f[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var flags) && (flags & 0x1) != 0)
                return true;
        }
        return false;
    }

    private static bool TryHexAddress(string hex, out IPAddress address)
    {
        address = IPAddress.IPv6None;
        if (hex.Length != 32) return false;
        Span<byte> bytes = stackalloc byte[16];
        if (Convert.FromHexString(hex, bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != 16) return false;
        address = new IPAddress(bytes);
        return true;
    }
}

/// <summary>One line of <c>/proc/net/if_inet6</c>.</summary>
/// <param name="Flags">IFA_F_* flags (0x08 DAD failed, 0x40 tentative, 0x80 permanent).</param>
internal sealed record KernelAddress(string Device, PrefixedAddress Address, uint Flags)
{
    /// <summary>IFA_F_PERMANENT: configured statically, not from DHCPv6/SLAAC lifetimes.</summary>
    public bool IsPermanent => (Flags & 0x80) != 0;

    /// <summary>IFA_F_TENTATIVE: duplicate address detection has not finished; the address cannot be used yet.</summary>
    public bool Tentative => (Flags & 0x40) != 0;

    /// <summary>IFA_F_DADFAILED: another host on the link holds this address.</summary>
    public bool DadFailed => (Flags & 0x08) != 0;
}
