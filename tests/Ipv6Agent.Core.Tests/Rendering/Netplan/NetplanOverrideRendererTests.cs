using Ipv6Agent.Rendering.Netplan;

namespace Ipv6Agent.Rendering;

public sealed class NetplanOverrideRendererTests
{
    [Fact]
    public void Render_BlogPlan_MatchesGolden() =>
        Golden.AssertMatches("netplan/60-ipv6-agent.yaml", NetplanOverrideRenderer.Render(BlogPlan.Create()));

    [Fact]
    public void Render_IdThatYaml11ReadsAsABoolean_QuotesTheKey() =>
        Assert.Contains("\n    \"on\":\n", NetplanOverrideRenderer.Render(BlogPlan.Create(netplanId: "on")));

    [Fact]
    public void Render_QuotesEveryAddressAndUsesRoutesNotGateway6()
    {
        var text = NetplanOverrideRenderer.Render(BlogPlan.Create());

        Assert.Contains("- \"2001:db8:47b:ca03::1:1/64\"", text);
        Assert.Contains("- to: \"::/0\"\n          via: \"fe80::1066:30ff:feb8:c008\"", text);
        Assert.Contains("macaddress: \"12:fb:b4:8b:15:f8\"", text);
        Assert.DoesNotContain("gateway6", text);
    }
}
