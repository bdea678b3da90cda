using System.Globalization;
using System.Net;
using Ipv6Agent.Addressing;
using Ipv6Agent.Reporting;

namespace Ipv6Agent.Firewall;

/// <summary>
/// What Docker's own IPv6 firewall left behind. A Docker (≥ 27, or older with <c>"ip6tables": true</c>) that once ran with
/// IPv6 and ip6tables on keeps its rules in iptables-nft's <c>ip6 nat</c> and <c>ip6 filter</c> tables after the agent's
/// <c>"ip6tables": false</c> and a restart: the <c>MASQUERADE</c> of the Docker CIDR (containers leave as the host: NAT66),
/// and its <c>DOCKER*</c> filter chains under a <c>FORWARD</c> policy of drop (nothing reaches the containers). Only those
/// are removed, in the same transaction as the agent's table: Docker's named chains, the rules in the two tables' base
/// chains that jump to them or match docker0, the translations of the CIDR. Pure: the host's rule set in, nft statements out.
/// </summary>
internal static class DockerLeftovers
{
    private static readonly string[] DockerTables = ["nat", "filter"];

    public static IReadOnlyList<string> RemovalStatements(NftRuleset ruleset, IPNetwork cidr, out IReadOnlySet<long> removedRules)
    {
        var statements = new List<string>();
        var removed = new HashSet<long>();
        foreach (var table in DockerTables)
        {
            if (!ruleset.HasTable("ip6", table)) continue;
            var dockerChains = ruleset.Chains
                .Where(c => c.Family == "ip6" && c.Table == table && c.Hook is null && IsDockerChain(c.Name))
                .Select(c => c.Name)
                .ToHashSet(StringComparer.Ordinal);
            foreach (var chain in ruleset.Chains.Where(c => c.Family == "ip6" && c.Table == table && c.Hook is not null))
            {
                var rules = ruleset.Rules.Where(r => r.Family == "ip6" && r.Table == table && r.Chain == chain.Name).ToList();
                var stale = rules.Where(r => IsDockers(r, cidr, dockerChains)).ToList();
                foreach (var rule in stale)
                {
                    statements.Add($"delete rule ip6 {table} {chain.Name} handle {rule.Handle.ToString(CultureInfo.InvariantCulture)}");
                    removed.Add(Key(table, rule.Handle));
                }
                // Docker sets FORWARD's policy to drop when it enables its IPv6 firewall. With its rules gone and nothing else
                // left in the chain, that policy would drop every forwarded packet, the containers' included.
                if (table == "filter" && chain.Hook == "forward" && chain.Policy == "drop" && stale.Count > 0 && stale.Count == rules.Count)
                    statements.Add($"chain ip6 filter {chain.Name} {{ type filter hook forward priority {chain.Priority.ToString(CultureInfo.InvariantCulture)}; policy accept; }}");
            }
            foreach (var chain in dockerChains.Order(StringComparer.Ordinal))
            {
                statements.Add($"flush chain ip6 {table} {chain}");
                foreach (var rule in ruleset.Rules.Where(r => r.Family == "ip6" && r.Table == table && r.Chain == chain))
                    removed.Add(Key(table, rule.Handle));
            }
            foreach (var chain in dockerChains.Order(StringComparer.Ordinal))
                statements.Add($"delete chain ip6 {table} {chain}");
        }
        removedRules = removed;
        return statements;
    }

    /// <summary>
    /// The <c>no-nat</c> check: no rule left (after <paramref name="removedRules"/> go) rewrites the source of packets from the
    /// Docker CIDR: a translation whose source matches cannot exclude the CIDR. Rules of other families (ip) never see IPv6.
    /// </summary>
    public static CheckReport NoNatCheck(NftRuleset ruleset, IPNetwork cidr, IReadOnlySet<long> removedRules)
    {
        var translating = ruleset.Rules
            .Where(r => r.Translates && r.Family is "ip6" or "inet" && !(r.Family == "ip6" && removedRules.Contains(Key(r.Table, r.Handle))))
            .Where(r => r.Sources.All(s => s.Negated ? !Contains(s.Network, cidr) : Overlaps(s.Network, cidr)))
            .ToList();
        if (translating.Count == 0)
            return new CheckReport("no-nat", true, $"no rule translates {Ipv6.Format(cidr)}");
        var named = string.Join(", ", translating.Select(r => $"{r.Family} {r.Table} {r.Chain} handle {r.Handle.ToString(CultureInfo.InvariantCulture)}"));
        return new CheckReport("no-nat", false, $"NAT66: {named} rewrites the source of {Ipv6.Format(cidr)} (nft -a list ruleset)");
    }

    private static bool IsDockers(NftRule rule, IPNetwork cidr, HashSet<string> dockerChains) =>
        rule.Jump is { } target && (dockerChains.Contains(target) || IsDockerChain(target))
        || rule.Interfaces.Contains(RulesetRenderer.Bridge, StringComparer.Ordinal)
        || rule.Translates && rule.Sources.Any(s => !s.Negated && Overlaps(s.Network, cidr));

    private static bool IsDockerChain(string name) => name.StartsWith("DOCKER", StringComparison.Ordinal);

    // Handles are unique per table only: the table goes in the high bits.
    private static long Key(string table, long handle) => ((long)(table == "nat" ? 1 : table == "filter" ? 2 : 3) << 48) | handle;

    private static bool Contains(IPNetwork outer, IPNetwork inner) =>
        outer.PrefixLength <= inner.PrefixLength && outer.Contains(inner.BaseAddress);

    private static bool Overlaps(IPNetwork a, IPNetwork b) => Contains(a, b) || Contains(b, a);
}
