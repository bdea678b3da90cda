using System.Net;
using Ipv6Agent.Addressing;
using Ipv6Agent.Rendering.Netplan;

namespace Ipv6Agent.Rendering;

/// <summary>The override and the cleaned files through the real netplan: what systemd-networkd would be told to do.</summary>
public sealed class NetplanGenerateTests
{
    private static readonly PrefixedAddress HostAddress = BlogPlan.Create().HostAddresses[0];

    public NetplanGenerateTests() => Assert.SkipUnless(File.Exists(NetplanRoot.Netplan), "netplan.io is not installed");

    [Theory]
    [InlineData("50-cloud-init.modern.yaml")]
    [InlineData("50-cloud-init.modern-host-address-listed.yaml")]
    [InlineData("50-cloud-init.legacy.yaml")]
    public void Generate_CleanedCloudInitPlusOverride_Ens5HasOnlyTheHostAddressAndAStaticDefaultRoute(string fixture)
    {
        using var root = new NetplanRoot();
        root.Write("50-cloud-init.yaml", NetplanCleaner.RemoveAddressesIn(
            Fixture.Text("netplan/" + fixture), BlogPlan.DockerCidr, "/etc/netplan/50-cloud-init.yaml"));
        root.Write("60-ipv6-agent.yaml", NetplanOverrideRenderer.Render(BlogPlan.Create()));

        var generated = root.Generate();

        var network = Sections(generated["10-netplan-ens5.network"]);
        Assert.Equal([HostAddress], AddressesIn(generated["10-netplan-ens5.network"]));
        Assert.Equal("ipv4", Single(network, "Network", "DHCP"));
        Assert.Equal("no", Single(network, "Network", "IPv6AcceptRA"));
        Assert.Contains(network, s => s.Name == "Route" && s.Values.Contains("Destination=::/0") &&
                                      s.Values.Contains("Gateway=fe80::1066:30ff:feb8:c008"));
        Assert.Contains("PermanentMACAddress=12:fb:b4:8b:15:f8", generated["10-netplan-ens5.network"]);
        AssertNoDockerAddress(generated);

        var merged = root.Get("ethernets.ens5.addresses");
        Assert.Equal(["2001:db8:47b:ca03::1:1/64"], merged.Split('\n').Where(l => l.StartsWith("- ", StringComparison.Ordinal))
            .Select(l => l[2..].Trim('"')));
        Assert.Equal("false", root.Get("ethernets.ens5.dhcp6").Trim());
    }

    /// <summary>
    /// An IPv6-only ENI: cloud-init still asks for DHCPv4, which nothing answers there. With DHCPv6 and RAs off, networkd would
    /// wait for it forever (networkd-wait-online's 2 min timeout on every boot, seen on Debian 12's booted machine), so the
    /// override switches it off; an ENI with IPv4 keeps it.
    /// </summary>
    [Theory]
    [InlineData(true, null)]
    [InlineData(false, "DHCP=ipv4")]
    public void Generate_Ipv6OnlyEni_NoDhcp4LeftForNetworkdToWaitOn(bool ipv6Only, string? dhcp)
    {
        using var root = new NetplanRoot();
        root.Write("50-cloud-init.yaml", NetplanCleaner.RemoveAddressesIn(
            Fixture.Text("netplan/50-cloud-init.legacy.yaml"), BlogPlan.DockerCidr, "/etc/netplan/50-cloud-init.yaml"));
        root.Write("60-ipv6-agent.yaml", NetplanOverrideRenderer.Render(BlogPlan.Create() with { Ipv6Only = ipv6Only }));

        var network = Sections(root.Generate()["10-netplan-ens5.network"]);

        // No DHCP= line is networkd's default: DHCP=no.
        Assert.Equal(dhcp, network.Where(s => s.Name == "Network").SelectMany(s => s.Values).SingleOrDefault(v => v.StartsWith("DHCP=", StringComparison.Ordinal)));
        Assert.Equal("no", Single(network, "Network", "IPv6AcceptRA"));
    }

    [Fact]
    public void Generate_ModernCloudInit_SecondNicKeepsItsOwnAddressAndPolicyRoutes()
    {
        using var root = new NetplanRoot();
        root.Write("50-cloud-init.yaml", NetplanCleaner.RemoveAddressesIn(
            Fixture.Text("netplan/50-cloud-init.modern.yaml"), BlogPlan.DockerCidr, "/etc/netplan/50-cloud-init.yaml"));
        root.Write("60-ipv6-agent.yaml", NetplanOverrideRenderer.Render(BlogPlan.Create()));

        var ens6 = root.Generate()["10-netplan-ens6.network"];

        Assert.Equal([PrefixedAddress.TryParse("2001:db8:47b:ca04::2/64", out var a) ? a : default], AddressesIn(ens6));
        Assert.Contains("DHCP=yes", ens6);
        Assert.Contains("Table=101", ens6);
    }

    [Fact]
    public void Generate_HandWrittenFileCleaned_NoDeviceKeepsADockerAddress()
    {
        using var root = new NetplanRoot();
        root.Write("01-hand-written.yaml", NetplanCleaner.RemoveAddressesIn(
            Fixture.Text("netplan/01-hand-written.yaml"), BlogPlan.DockerCidr, "/etc/netplan/01-hand-written.yaml"));
        root.Write("60-ipv6-agent.yaml", NetplanOverrideRenderer.Render(BlogPlan.Create()));

        var generated = root.Generate();

        AssertNoDockerAddress(generated);
        Assert.Equal([HostAddress], AddressesIn(generated["10-netplan-ens5.network"]));
        Assert.Equal(["192.0.2.10/24", "2001:db8:1::1/64"], AddressesIn(generated["10-netplan-br0.network"]).Select(p => p.ToString()).Order());
        Assert.Contains("DNS=2001:db8:47b:ca03::8", generated["10-netplan-ens5.network"]);
    }

    [Fact]
    public void Generate_HandWrittenFileUncleaned_WouldPutDockerAddressesOnTheHost()
    {
        // The control: without the cleaner netplan really does concatenate the lists, whatever the override says.
        using var root = new NetplanRoot();
        root.Write("01-hand-written.yaml", Fixture.Text("netplan/01-hand-written.yaml"));
        root.Write("60-ipv6-agent.yaml", NetplanOverrideRenderer.Render(BlogPlan.Create()));

        var generated = root.Generate();

        Assert.Contains(generated.Values.SelectMany(AddressesIn), a => BlogPlan.DockerCidr.Contains(a.Address));
    }

    [Fact]
    public void Generate_OverrideAlone_SelectsTheEniByMacAndNamesIt()
    {
        using var root = new NetplanRoot();
        root.Write("60-ipv6-agent.yaml", NetplanOverrideRenderer.Render(BlogPlan.Create(netplanId: "ens5")));

        var generated = root.Generate();

        Assert.Contains("PermanentMACAddress=12:fb:b4:8b:15:f8", generated["10-netplan-ens5.link"]);
        Assert.Contains("Name=ens5", generated["10-netplan-ens5.link"]);
        Assert.Equal([HostAddress], AddressesIn(generated["10-netplan-ens5.network"]));
        Assert.Contains("IPv6AcceptRA=no", generated["10-netplan-ens5.network"]);
    }

    [Fact]
    public void Generate_EmptiedAddressesList_IsAcceptedByNetplan()
    {
        using var root = new NetplanRoot();
        root.Write("50-x.yaml", NetplanCleaner.RemoveAddressesIn(
            "network:\n  version: 2\n  ethernets:\n    ens9:\n      addresses:\n      - 2001:db8:47b:ca03::9/64\n",
            BlogPlan.DockerCidr, "/etc/netplan/50-x.yaml"));

        Assert.Empty(AddressesIn(root.Generate()["10-netplan-ens9.network"]));
    }

    private static void AssertNoDockerAddress(IReadOnlyDictionary<string, string> generated)
    {
        foreach (var (name, text) in generated)
            Assert.DoesNotContain(AddressesIn(text), a => BlogPlan.DockerCidr.Contains(a.Address));
    }

    /// <summary>Every <c>Address=</c> of a .network file, from [Network] and from [Address] sections (netplan's long form).</summary>
    private static List<PrefixedAddress> AddressesIn(string network) =>
        [.. network.Split('\n').Where(l => l.StartsWith("Address=", StringComparison.Ordinal))
            .Select(l => PrefixedAddress.TryParse(l["Address=".Length..], out var a) ? a : throw new FormatException(l))];

    private static List<(string Name, List<string> Values)> Sections(string text)
    {
        var sections = new List<(string Name, List<string> Values)>();
        foreach (var line in text.Split('\n').Where(l => l.Length > 0))
        {
            if (line.StartsWith('[')) sections.Add((line.Trim('[', ']'), []));
            else sections[^1].Values.Add(line);
        }
        return sections;
    }

    private static string Single(List<(string Name, List<string> Values)> sections, string section, string key) =>
        Assert.Single(sections.Where(s => s.Name == section).SelectMany(s => s.Values), v => v.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..];
}
