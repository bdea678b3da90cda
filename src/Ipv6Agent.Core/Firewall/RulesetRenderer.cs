using System.Globalization;
using System.Net;
using System.Text;
using Ipv6Agent.Addressing;

namespace Ipv6Agent.Firewall;

/// <summary>
/// Renders the agent's own nftables table, which gives docker0's routed IPv6 Docker's "routed" gateway-mode semantics:
/// from outside the host, a container's address answers only on the container ports it publishes, on <c>firewall.allow</c>
/// and to ICMPv6; replies to its own connections pass; the rest is dropped. Pure: values in, text out.
/// </summary>
/// <remarks>
/// Why this shape:
/// <list type="bullet">
/// <item>One table of our own (<c>ip6 ipv6_agent</c>), replaced whole by one <c>nft -f</c> transaction: <c>table</c> (creates it
/// if missing, so the delete cannot fail), <c>delete table</c>, the full definition. The kernel applies all of it or none, so
/// there is never a moment with half a rule set, and nothing the agent did not create is flushed.</item>
/// <item>A drop in any nftables base chain is final, an accept only ends that chain: this table can only restrict, so it
/// coexists with Docker's IPv4 rules, ufw or anything else on the forward hook, whatever their priorities.</item>
/// <item>Only traffic to the Docker CIDR that does not come from docker0 is looked at: containers on the same host
/// (bridged, seen on the forward hook when br_netfilter is loaded) and everything else the host forwards are untouched.</item>
/// <item>The published ports are one concatenated set (address . protocol . port): one lookup per new connection,
/// whatever the number of containers, and the routed-mode rule (the container's port, whatever the host port).</item>
/// </list>
/// </remarks>
internal static class RulesetRenderer
{
    public const string Family = "ip6";
    public const string TableName = "ipv6_agent";
    public const string Bridge = "docker0";

    /// <summary>
    /// ICMPv6 a container needs from outside: echo (ping), and the errors path MTU discovery and failing connections rely on.
    /// Neighbour discovery is link-local and never forwarded.
    /// </summary>
    private const string Icmpv6Types = "destination-unreachable, packet-too-big, time-exceeded, parameter-problem, echo-request";

    /// <summary>
    /// The transaction that replaces the table. With <paramref name="containers"/> empty it is the closed rule set loaded at
    /// boot before Docker starts: established, ICMPv6 and <paramref name="allow"/> only.
    /// </summary>
    public static string Table(IPNetwork cidr, IReadOnlyList<PublishedContainer> containers, IReadOnlyList<ContainerPort> allow)
    {
        var text = new StringBuilder();
        text.Append("# ipv6-agent: only published ports reach containers' public IPv6 addresses in ").Append(Ipv6.Format(cidr)).Append('\n');
        text.Append("# (firewall.mode: published). Generated; the agent replaces the whole table in one transaction.\n");
        text.Append(Removal());
        text.Append("table ").Append(Family).Append(' ').Append(TableName).Append(" {\n");

        text.Append("\t# Container ports published with -p (whatever the host address or port): address . protocol . port.\n");
        text.Append("\tset published {\n\t\ttype ipv6_addr . inet_proto . inet_service\n");
        var elements = Elements(containers);
        if (elements.Count > 0)
        {
            text.Append("\t\telements = {\n");
            foreach (var (element, comment) in elements)
                text.Append("\t\t\t").Append(element).Append(",\t# ").Append(comment).Append('\n');
            text.Append("\t\t}\n");
        }
        text.Append("\t}\n\n");

        text.Append("\t# firewall.allow: open on every container.\n");
        text.Append("\tset allowed {\n\t\ttype inet_proto . inet_service\n");
        if (allow.Count > 0)
        {
            text.Append("\t\telements = { ");
            text.AppendJoin(", ", allow.Order().Select(p => $"{p.ProtocolName} . {p.Port.ToString(CultureInfo.InvariantCulture)}"));
            text.Append(" }\n");
        }
        text.Append("\t}\n\n");

        text.Append("\tchain forward {\n");
        text.Append("\t\ttype filter hook forward priority filter; policy accept;\n");
        text.Append("\t\tip6 daddr ").Append(Ipv6.Format(cidr)).Append(" iifname != \"").Append(Bridge).Append("\" jump inbound\n");
        text.Append("\t}\n\n");

        text.Append("\tchain inbound {\n");
        text.Append("\t\tct state established,related accept\n");
        text.Append("\t\ticmpv6 type { ").Append(Icmpv6Types).Append(" } accept\n");
        text.Append("\t\tip6 daddr . meta l4proto . th dport @published accept\n");
        text.Append("\t\tmeta l4proto . th dport @allowed accept\n");
        text.Append("\t\tcounter drop\n");
        text.Append("\t}\n");
        text.Append("}\n");
        return text.ToString();
    }

    /// <summary>Removes the table if it exists (<c>firewall.mode: open</c>, purge); a no-op when it does not.</summary>
    public static string Removal() =>
        $"table {Family} {TableName} {{}}\ndelete table {Family} {TableName}\n";

    /// <summary>
    /// The set's elements, one per (address, protocol, port), ordered by address then port so the text (and the diff a dry
    /// run shows) is stable; the comment names the container.
    /// </summary>
    private static List<(string Element, string Comment)> Elements(IReadOnlyList<PublishedContainer> containers)
    {
        var elements = new List<(string, string)>();
        foreach (var container in containers.OrderBy(c => c.Address, Ipv6AddressComparer.Instance))
        {
            var address = Ipv6.Format(container.Address);
            var name = SafeComment(container.Name);
            foreach (var port in container.Ports.Distinct().Order())
                elements.Add(($"{address} . {port.ProtocolName} . {port.Port.ToString(CultureInfo.InvariantCulture)}", name));
        }
        return elements;
    }

    /// <summary>Docker names are [a-zA-Z0-9][a-zA-Z0-9_.-]*; anything else must still never end the comment line.</summary>
    private static string SafeComment(string name)
    {
        var safe = new string(name.TrimStart('/').Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '?').ToArray());
        return safe.Length == 0 ? "?" : safe;
    }
}

/// <summary>Orders addresses by their bytes (numerically), never by their text.</summary>
internal sealed class Ipv6AddressComparer : IComparer<IPAddress>
{
    public static readonly Ipv6AddressComparer Instance = new();

    public int Compare(IPAddress? x, IPAddress? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        x.MapToIPv6().TryWriteBytes(a, out _);
        y.MapToIPv6().TryWriteBytes(b, out _);
        return a.SequenceCompareTo(b);
    }
}
