using System.Net;
using System.Net.Sockets;

namespace Ipv6Agent.Addressing;

/// <summary>
/// An address with the prefix length it is configured with (<c>2001:db8::1:1/64</c>).
/// Not an <see cref="IPNetwork"/>: that type clears host bits, which is exactly what must be kept here.
/// </summary>
public readonly record struct PrefixedAddress(IPAddress Address, int PrefixLength)
{
    /// <summary>The network the address sits in (host bits cleared).</summary>
    public IPNetwork Network => Ipv6.NetworkOf(Address, PrefixLength);

    public static bool TryParse(string? text, out PrefixedAddress value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var slash = text.IndexOf('/');
        if (slash <= 0) return false;
        if (!IPAddress.TryParse(text.AsSpan(0, slash), out var address)) return false;
        if (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length)) return false;
        var max = address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        if (length < 0 || length > max) return false;
        value = new PrefixedAddress(address, length);
        return true;
    }

    public override string ToString() => $"{Ipv6.Format(Address)}/{PrefixLength}";
}
