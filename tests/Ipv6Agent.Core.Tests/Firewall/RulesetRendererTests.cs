using System.Net;
using Ipv6Agent.Rendering;

namespace Ipv6Agent.Firewall;

public sealed class RulesetRendererTests
{
    internal static readonly IPNetwork Cidr = IPNetwork.Parse("2001:db8:47b:ca03::8/126");

    internal static readonly PublishedContainer[] TwoContainers =
    [
        // Listed out of order, and ::a after ::b by text length rules: the renderer orders by address bytes.
        new("dns", IPAddress.Parse("2001:db8:47b:ca03::b"), [new(TransportProtocol.Udp, 53), new(TransportProtocol.Tcp, 53)]),
        new("web", IPAddress.Parse("2001:db8:47b:ca03::a"), [new(TransportProtocol.Tcp, 443), new(TransportProtocol.Tcp, 80), new(TransportProtocol.Tcp, 80)]),
    ];

    [Fact]
    public void Table_TwoContainersAndAllow_MatchesGolden() =>
        Golden.AssertMatches("firewall/published.nft",
            RulesetRenderer.Table(Cidr, TwoContainers, [new(TransportProtocol.Udp, 51820), new(TransportProtocol.Tcp, 22)]));

    [Fact]
    public void Table_NoContainers_IsTheClosedBootRuleSet() =>
        Golden.AssertMatches("firewall/closed.nft", RulesetRenderer.Table(Cidr, [], []));

    [Fact]
    public void Table_ReplacesOnlyItsOwnTableInOneTransaction()
    {
        var text = RulesetRenderer.Table(Cidr, TwoContainers, []);

        Assert.StartsWith("#", text);
        Assert.Contains("table ip6 ipv6_agent {}\ndelete table ip6 ipv6_agent\ntable ip6 ipv6_agent {\n", text);
        Assert.DoesNotContain("flush", text);
        Assert.Single(text.Split('\n'), l => l.StartsWith("delete", StringComparison.Ordinal));
    }

    [Fact]
    public void Table_AStrangeContainerName_CannotEndTheCommentLine()
    {
        var text = RulesetRenderer.Table(Cidr, [new("x\n}\nflush ruleset", IPAddress.Parse("2001:db8:47b:ca03::a"), [new(TransportProtocol.Tcp, 80)])], []);

        Assert.Contains("2001:db8:47b:ca03::a . tcp . 80,\t# x???flush?ruleset\n", text);
        Assert.DoesNotContain("flush ruleset\n", text);
    }

    [Fact]
    public void Removal_CreatesThenDeletes_SoItNeverFailsOnAHostWithoutTheTable() =>
        Assert.Equal("table ip6 ipv6_agent {}\ndelete table ip6 ipv6_agent\n", RulesetRenderer.Removal());
}
