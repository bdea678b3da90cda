using System.Net;

namespace Ipv6Agent.Inspecting;

public sealed class ProcNetTests
{
    [Fact]
    public void ParseIpv6Routes_DefaultViaLinkLocal_AndSkipsRejectPlaceholders()
    {
        const string text = """
            20010db8047bca030000000000000008 7e 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001  docker0
            00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe80000000000000106630fffeb8c008 00000400 00000001 00000000 00000003     ens5
            00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo

            """;

        var routes = ProcNet.ParseIpv6Routes(text);

        Assert.Equal(2, routes.Count);
        Assert.Equal("2001:db8:47b:ca03::8/126", Addressing.Ipv6.Format(routes[0].Destination));
        Assert.Equal(("ens5", IPAddress.Parse("fe80::1066:30ff:feb8:c008"), 0x400u), (routes[1].Device, routes[1].NextHop, routes[1].Metric));
    }

    [Fact]
    public void ParseIfInet6_ReadsAddressPrefixAndPermanence()
    {
        const string text = """
            20010db8047bca030000000000000009 05 7e 00 80  docker0
            20010db8047bca030000000000010001 02 40 00 00     ens5
            garbage line
            """;

        var addresses = ProcNet.ParseIfInet6(text);

        Assert.Equal(2, addresses.Count);
        Assert.Equal("docker0", addresses[0].Device);
        Assert.Equal("2001:db8:47b:ca03::9/126", addresses[0].Address.ToString());
        Assert.True(addresses[0].IsPermanent);
        Assert.False(addresses[1].IsPermanent);
    }

    [Theory]
    [InlineData("ens5\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0", true)]
    [InlineData("ens5\t0000A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0", false)]
    public void HasIpv4DefaultRoute_OnlyForAnUpDefault(string line, bool expected) =>
        Assert.Equal(expected, ProcNet.HasIpv4DefaultRoute("Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n" + line + "\n"));
}
