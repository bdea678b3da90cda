using System.Globalization;

namespace Ipv6Agent.Firewall;

/// <summary>The transport protocols Docker publishes ports for (<c>-p 80/tcp</c>, <c>/udp</c>, <c>/sctp</c>).</summary>
public enum TransportProtocol
{
    Tcp,
    Udp,
    Sctp,
}

/// <summary>A container-side port: what a packet's destination port is once it reaches the container's own address.</summary>
public readonly record struct ContainerPort(TransportProtocol Protocol, ushort Port) : IComparable<ContainerPort>
{
    /// <summary>As nft and config.yaml spell it: <c>tcp</c>, <c>udp</c>, <c>sctp</c>.</summary>
    public string ProtocolName => Protocol switch
    {
        TransportProtocol.Tcp => "tcp",
        TransportProtocol.Udp => "udp",
        _ => "sctp",
    };

    public static bool TryParseProtocol(string? text, out TransportProtocol protocol)
    {
        switch (text?.ToLowerInvariant())
        {
            case "tcp": protocol = TransportProtocol.Tcp; return true;
            case "udp": protocol = TransportProtocol.Udp; return true;
            case "sctp": protocol = TransportProtocol.Sctp; return true;
            default: protocol = default; return false;
        }
    }

    /// <summary><c>tcp/22</c>, as <c>firewall.allow</c> lists them.</summary>
    public static bool TryParse(string text, out ContainerPort port)
    {
        port = default;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || !TryParseProtocol(text[..slash], out var protocol)) return false;
        var number = text[(slash + 1)..];
        if (number.Length is 0 or > 5 || !number.All(char.IsAsciiDigit)) return false;
        if (!ushort.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value == 0) return false;
        port = new ContainerPort(protocol, value);
        return true;
    }

    public int CompareTo(ContainerPort other) =>
        Protocol != other.Protocol ? Protocol.CompareTo(other.Protocol) : Port.CompareTo(other.Port);

    public override string ToString() => $"{ProtocolName}/{Port.ToString(CultureInfo.InvariantCulture)}";
}
