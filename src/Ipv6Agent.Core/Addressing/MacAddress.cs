using System.Globalization;

namespace Ipv6Agent.Addressing;

/// <summary>An Ethernet MAC address, normalised to lower-case colon form (<c>12:fb:b4:8b:15:f8</c>) as IMDS and netplan print it.</summary>
public readonly record struct MacAddress
{
    private readonly string? _value;

    private MacAddress(string value) => _value = value;

    /// <summary>Parses <c>12:FB:b4:8b:15:f8</c> or <c>12-fb-b4-8b-15-f8</c>; <c>false</c> for anything else.</summary>
    public static bool TryParse(string? text, out MacAddress mac)
    {
        mac = default;
        if (text is null) return false;
        var parts = text.Trim().Split(':', '-');
        if (parts.Length != 6) return false;
        var bytes = new byte[6];
        for (var i = 0; i < 6; i++)
        {
            if (parts[i].Length != 2 || !byte.TryParse(parts[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out bytes[i]))
                return false;
        }
        mac = new MacAddress(string.Join(':', bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture))));
        return true;
    }

    public static MacAddress Parse(string text) =>
        TryParse(text, out var mac) ? mac : throw new FormatException($"'{text}' is not a MAC address (expected six hex pairs, e.g. 12:fb:b4:8b:15:f8)");

    public override string ToString() => _value ?? "00:00:00:00:00:00";
}
