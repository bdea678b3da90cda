using System.Net;
using Docker.DotNet.Models;

namespace Ipv6Agent.Firewall;

public sealed class DockerInventoryTests
{
    private static readonly IPNetwork Cidr = IPNetwork.Parse("2001:db8:47b:ca03::8/126");

    private static ContainerListResponse Container(string name, string? address, params PortSummary[] ports) => new()
    {
        ID = "0123456789abcdef0123",
        Names = ["/" + name],
        Ports = ports,
        NetworkSettings = new NetworkSettingsSummary
        {
            Networks = new Dictionary<string, EndpointSettings> { ["bridge"] = new() { GlobalIPv6Address = address ?? "" } },
        },
    };

    [Fact]
    public void FromList_PublishedPorts_AreTheContainerPortsWhateverTheHostPortOrAddress()
    {
        var list = new[]
        {
            // -p 8080:80 (Docker lists it once per host address family), -p 127.0.0.1:5353:53/udp, -p 9000/sctp,
            // and an exposed but unpublished port (no public port).
            Container("web", "2001:db8:47b:ca03::a",
                new PortSummary { IP = "0.0.0.0", PrivatePort = 80, PublicPort = 8080, Type = "tcp" },
                new PortSummary { IP = "::", PrivatePort = 80, PublicPort = 8080, Type = "tcp" },
                new PortSummary { IP = "127.0.0.1", PrivatePort = 53, PublicPort = 5353, Type = "udp" },
                new PortSummary { IP = "0.0.0.0", PrivatePort = 9000, PublicPort = 32768, Type = "sctp" },
                new PortSummary { PrivatePort = 6379, Type = "tcp" }),
        };

        var container = Assert.Single(DockerInventory.FromList(list, Cidr));

        Assert.Equal("web", container.Name);
        Assert.Equal(IPAddress.Parse("2001:db8:47b:ca03::a"), container.Address);
        Assert.Equal([new(TransportProtocol.Tcp, 80), new(TransportProtocol.Udp, 53), new(TransportProtocol.Sctp, 9000)], container.Ports);
    }

    [Fact]
    public void FromList_ContainersWithoutAnAddressInTheCidr_AreLeftOut()
    {
        var list = new[]
        {
            Container("ipv4-only", null, new PortSummary { PrivatePort = 80, PublicPort = 80, Type = "tcp" }),
            Container("elsewhere", "fd00:1::2", new PortSummary { PrivatePort = 80, PublicPort = 80, Type = "tcp" }),
            Container("unpublished", "2001:db8:47b:ca03::b"),
        };

        var only = Assert.Single(DockerInventory.FromList(list, Cidr));

        Assert.Equal("unpublished", only.Name);
        Assert.Empty(only.Ports);
    }
}
