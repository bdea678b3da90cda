using System.Net;
using System.Text.Json;

namespace Ipv6Agent.Firewall;

/// <summary>
/// The host's rule set as <c>nft -j list ruleset</c> prints it, reduced to what the agent decides on: which tables and
/// chains exist, and per rule its handle, the networks it matches as source, the interfaces it matches, where it jumps and
/// whether it translates source addresses. Rules that iptables-nft made (Docker's) appear here too, with their targets
/// as <c>xt</c> expressions. Parsed once at the edge; everything downstream works on these records.
/// </summary>
internal sealed record NftRuleset(IReadOnlyList<NftChain> Chains, IReadOnlyList<NftRule> Rules, IReadOnlyList<NftSetInfo> Sets)
{
    public static readonly NftRuleset Empty = new([], [], []);

    public bool HasTable(string family, string table) =>
        Tables.Contains((family, table));

    public IReadOnlySet<(string Family, string Table)> Tables { get; init; } = new HashSet<(string, string)>();

    /// <exception cref="FormatException">The text is not nft's JSON.</exception>
    public static NftRuleset Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not nft JSON: {e.Message}", e);
        }
        using (document)
        {
            if (!document.RootElement.TryGetProperty("nftables", out var items) || items.ValueKind != JsonValueKind.Array)
                throw new FormatException("not nft JSON: no \"nftables\" array");
            var tables = new HashSet<(string, string)>();
            var chains = new List<NftChain>();
            var rules = new List<NftRule>();
            var sets = new List<NftSetInfo>();
            foreach (var item in items.EnumerateArray())
            {
                if (item.TryGetProperty("table", out var t))
                    tables.Add((Str(t, "family"), Str(t, "name")));
                else if (item.TryGetProperty("chain", out var c))
                    chains.Add(new NftChain(Str(c, "family"), Str(c, "table"), Str(c, "name"),
                        c.TryGetProperty("hook", out var hook) ? hook.GetString() : null,
                        c.TryGetProperty("type", out var type) ? type.GetString() : null,
                        c.TryGetProperty("prio", out var prio) && prio.ValueKind == JsonValueKind.Number ? prio.GetInt32() : 0,
                        c.TryGetProperty("policy", out var policy) ? policy.GetString() : null));
                else if (item.TryGetProperty("rule", out var r))
                    rules.Add(Rule(r));
                else if (item.TryGetProperty("set", out var s))
                    sets.Add(new NftSetInfo(Str(s, "family"), Str(s, "table"), Str(s, "name"), SetElements(s)));
            }
            return new NftRuleset(chains, rules, sets) { Tables = tables };
        }
    }

    private static NftRule Rule(JsonElement rule)
    {
        var sources = new List<NftPrefixMatch>();
        var interfaces = new List<string>();
        string? jump = null;
        var translates = false;
        if (rule.TryGetProperty("expr", out var expressions) && expressions.ValueKind == JsonValueKind.Array)
        {
            foreach (var expression in expressions.EnumerateArray())
            {
                if (expression.ValueKind != JsonValueKind.Object) continue;
                foreach (var property in expression.EnumerateObject())
                {
                    switch (property.Name)
                    {
                        case "match":
                            Match(property.Value, sources, interfaces);
                            break;
                        case "jump" or "goto":
                            if (property.Value.TryGetProperty("target", out var target)) jump = target.GetString();
                            break;
                        case "masquerade" or "snat":
                            translates = true;
                            break;
                        case "xt":
                            // iptables-nft's targets without a native translation: MASQUERADE, SNAT, NETMAP rewrite the source.
                            if (property.Value.TryGetProperty("name", out var name) && name.GetString() is "MASQUERADE" or "SNAT" or "NETMAP"
                                && (!property.Value.TryGetProperty("type", out var kind) || kind.GetString() == "target"))
                                translates = true;
                            break;
                    }
                }
            }
        }
        return new NftRule(Str(rule, "family"), Str(rule, "table"), Str(rule, "chain"),
            rule.TryGetProperty("handle", out var handle) && handle.ValueKind == JsonValueKind.Number ? handle.GetInt64() : -1,
            sources, interfaces, jump, translates);
    }

    /// <summary><c>ip6 saddr [!=] PREFIX</c> and <c>iifname/oifname [!=] NAME</c>; other matches do not matter here.</summary>
    private static void Match(JsonElement match, List<NftPrefixMatch> sources, List<string> interfaces)
    {
        if (!match.TryGetProperty("left", out var left) || !match.TryGetProperty("right", out var right)) return;
        var negated = match.TryGetProperty("op", out var op) && op.GetString() == "!=";
        if (left.TryGetProperty("payload", out var payload) && Str(payload, "protocol") == "ip6" && Str(payload, "field") == "saddr")
        {
            if (Network(right) is { } network) sources.Add(new NftPrefixMatch(network, negated));
        }
        else if (left.TryGetProperty("meta", out var meta) && Str(meta, "key") is "iifname" or "oifname" && right.ValueKind == JsonValueKind.String)
        {
            interfaces.Add(right.GetString()!);
        }
    }

    private static IPNetwork? Network(JsonElement right)
    {
        if (right.ValueKind == JsonValueKind.String && IPAddress.TryParse(right.GetString(), out var single))
            return new IPNetwork(single, 128);
        if (right.ValueKind == JsonValueKind.Object && right.TryGetProperty("prefix", out var prefix)
            && IPAddress.TryParse(Str(prefix, "addr"), out var address)
            && prefix.TryGetProperty("len", out var length) && length.ValueKind == JsonValueKind.Number)
            return new IPNetwork(address, length.GetInt32());
        return null;
    }

    /// <summary>A set's elements as nft prints them in text form (<c>2001:db8::a . tcp . 80</c>), to compare with the rendering.</summary>
    private static IReadOnlyList<string> SetElements(JsonElement set)
    {
        if (!set.TryGetProperty("elem", out var elements) || elements.ValueKind != JsonValueKind.Array) return [];
        var result = new List<string>();
        foreach (var element in elements.EnumerateArray())
            result.Add(ElementText(element));
        return result;
    }

    private static string ElementText(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object when element.TryGetProperty("concat", out var concat) =>
            string.Join(" . ", concat.EnumerateArray().Select(ElementText)),
        JsonValueKind.Object when element.TryGetProperty("elem", out var inner) && inner.TryGetProperty("val", out var val) => ElementText(val),
        JsonValueKind.String => IPAddress.TryParse(element.GetString(), out var a) ? a.ToString() : element.GetString()!,
        JsonValueKind.Number => element.GetRawText(),
        _ => element.GetRawText(),
    };

    private static string Str(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
}

/// <param name="Hook">The hook of a base chain (<c>forward</c>, <c>postrouting</c>); <c>null</c> for a regular chain.</param>
internal sealed record NftChain(string Family, string Table, string Name, string? Hook, string? Type, int Priority, string? Policy);

/// <param name="Sources"><c>ip6 saddr</c> matches of the rule (all must hold).</param>
/// <param name="Interfaces">Interface names the rule matches on (<c>iifname</c>/<c>oifname</c>, either way).</param>
/// <param name="Jump">The chain a <c>jump</c> or <c>goto</c> goes to.</param>
/// <param name="Translates">It rewrites the source address: <c>masquerade</c>, <c>snat</c> or iptables' MASQUERADE/SNAT/NETMAP.</param>
internal sealed record NftRule(
    string Family, string Table, string Chain, long Handle,
    IReadOnlyList<NftPrefixMatch> Sources, IReadOnlyList<string> Interfaces, string? Jump, bool Translates);

internal sealed record NftPrefixMatch(IPNetwork Network, bool Negated);

internal sealed record NftSetInfo(string Family, string Table, string Name, IReadOnlyList<string> Elements);
