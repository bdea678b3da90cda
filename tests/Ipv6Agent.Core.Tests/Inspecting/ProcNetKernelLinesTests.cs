using System.Net;

namespace Ipv6Agent.Inspecting;

public sealed class ProcNetKernelLinesTests
{
    [Fact]
    public void ParseIfInet6_DockerBridge_AddressesWithPrefixAndFlags()
    {
        const string text = """
            fe80000000000000c4ba2dfffe758ad3 04 40 20 80 veth65a6cc1
            20010db8000100000000000000000009 02 7e 00 c0  docker0
            00000000000000000000000000000001 01 80 10 80       lo
            garbage line
            """;

        var addresses = ProcNet.ParseIfInet6(text);

        Assert.Equal(3, addresses.Count);
        var docker = addresses[1];
        Assert.Equal((IPAddress.Parse("2001:db8:1::9"), 126, "docker0"), (docker.Address.Address, docker.Address.PrefixLength, docker.Device));
        Assert.True(docker.Tentative);
        Assert.False(docker.DadFailed);
    }

    [Fact]
    public void ParseIpv6Route_KernelLines_DestinationsDevicesMetrics()
    {
        const string text = """
            20010db8000100000000000000000008 7e 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001  docker0
            00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00450003     ens5
            """;

        var routes = ProcNet.ParseIpv6Routes(text);

        Assert.Equal(
            [
                new KernelRoute(IPNetwork.Parse("2001:db8:1::8/126"), IPAddress.IPv6Any, "docker0", 256),
                new KernelRoute(IPNetwork.Parse("::/0"), IPAddress.Parse("fe80::1"), "ens5", 1024),
            ],
            routes);
    }
}
