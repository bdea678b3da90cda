using System.Net;
using Ipv6Agent.Rendering;

namespace Ipv6Agent.Firewall;

/// <summary>
/// <c>Fixtures/nft/docker28-stale.json</c> is the real <c>nft -j list ruleset</c> of a namespace holding what Docker 28 leaves
/// after it ran with ip6tables on (its ip6 nat and ip6 filter rules, made with iptables-nft as Docker makes them), plus a
/// host's own masquerade of another prefix in an inet table.
/// </summary>
public sealed class DockerLeftoversTests
{
    private static readonly IPNetwork Cidr = IPNetwork.Parse("2001:db8:47b:ca03::8/126");

    private static NftRuleset Stale => NftRuleset.Parse(Fixture.Text("nft/docker28-stale.json"));

    [Fact]
    public void RemovalStatements_Docker28Leftovers_RemovesDockersRulesAndChainsOnly()
    {
        var statements = DockerLeftovers.RemovalStatements(Stale, Cidr, out var removed);

        Golden.AssertMatches("firewall/docker28-stale-removal.nft", string.Concat(statements.Select(s => s + "\n")));
        Assert.DoesNotContain(statements, s => s.Contains("vpn", StringComparison.Ordinal));
        // The host's own INPUT rule (ssh) in the same table stays.
        Assert.DoesNotContain(statements, s => s.Contains("INPUT", StringComparison.Ordinal));
        Assert.NotEmpty(removed);
    }

    [Fact]
    public void NoNatCheck_BeforeTheRemoval_NamesDockersMasquerade()
    {
        var check = DockerLeftovers.NoNatCheck(Stale, Cidr, new HashSet<long>());

        Assert.False(check.Ok);
        Assert.Equal("no-nat", check.Name);
        Assert.StartsWith("NAT66: ip6 nat POSTROUTING handle ", check.Detail);
        Assert.DoesNotContain("vpn", check.Detail);
    }

    [Fact]
    public void NoNatCheck_AfterTheRemoval_Passes()
    {
        DockerLeftovers.RemovalStatements(Stale, Cidr, out var removed);

        var check = DockerLeftovers.NoNatCheck(Stale, Cidr, removed);

        Assert.True(check.Ok, check.Detail);
        Assert.Equal("no rule translates 2001:db8:47b:ca03::8/126", check.Detail);
    }

    [Fact]
    public void NoNatCheck_AMasqueradeOfEverythingLeavingTheHost_Fails()
    {
        // ip6tables -t nat -A POSTROUTING -o ens5 -j MASQUERADE: no source match, so the containers' traffic is translated too.
        const string json = """
            {"nftables":[{"table":{"family":"ip6","name":"nat","handle":1}},
             {"chain":{"family":"ip6","table":"nat","name":"POSTROUTING","handle":1,"type":"nat","hook":"postrouting","prio":100,"policy":"accept"}},
             {"rule":{"family":"ip6","table":"nat","chain":"POSTROUTING","handle":4,"expr":[
               {"match":{"op":"==","left":{"meta":{"key":"oifname"}},"right":"ens5"}},{"counter":{"packets":0,"bytes":0}},{"xt":{"type":"target","name":"MASQUERADE"}}]}}]}
            """;

        var ruleset = NftRuleset.Parse(json);
        var check = DockerLeftovers.NoNatCheck(ruleset, Cidr, new HashSet<long>());

        Assert.False(check.Ok);
        Assert.Contains("ip6 nat POSTROUTING handle 4", check.Detail);
        // Not Docker's (no docker0, no CIDR, no DOCKER chain): the agent reports it but leaves it.
        Assert.Empty(DockerLeftovers.RemovalStatements(ruleset, Cidr, out _));
    }

    [Fact]
    public void NoNatCheck_AMasqueradeThatExcludesTheCidr_Passes()
    {
        const string json = """
            {"nftables":[{"table":{"family":"inet","name":"nat","handle":1}},
             {"rule":{"family":"inet","table":"nat","chain":"post","handle":2,"expr":[
               {"match":{"op":"!=","left":{"payload":{"protocol":"ip6","field":"saddr"}},"right":{"prefix":{"addr":"2001:db8:47b:ca03::","len":64}}}},{"masquerade":null}]}}]}
            """;

        Assert.True(DockerLeftovers.NoNatCheck(NftRuleset.Parse(json), Cidr, new HashSet<long>()).Ok);
    }

    [Fact]
    public void Parse_NotNftJson_IsAFormatError()
    {
        Assert.Throws<FormatException>(() => NftRuleset.Parse("table ip6 filter {"));
        Assert.Throws<FormatException>(() => NftRuleset.Parse("{\"tables\": []}"));
    }
}
