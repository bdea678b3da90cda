using Ipv6Agent.Addressing;
using Ipv6Agent.Rendering.Netplan;

namespace Ipv6Agent.Rendering;

public sealed class NetplanInventoryTests
{
    private static readonly MacAddress Mac = MacAddress.Parse("12:fb:b4:8b:15:f8");

    [Fact]
    public void Find_CloudInitMatchesTheMac_ReturnsItsIdAndSetName()
    {
        var found = NetplanInventory.FindEthernet(
            [("/etc/netplan/50-cloud-init.yaml", Fixture.Text("netplan/50-cloud-init.modern.yaml"))], Mac, "ens5");

        Assert.Equal(new NetplanEthernet("ens5", "ens5", "/etc/netplan/50-cloud-init.yaml"), found);
    }

    [Fact]
    public void Find_MacWrittenInUpperCaseWithDashes_StillMatches()
    {
        const string text = "network:\n  ethernets:\n    primary:\n      match: {macaddress: \"12-FB-B4-8B-15-F8\"}\n";

        var found = NetplanInventory.FindEthernet([("/etc/netplan/10-x.yaml", text)], Mac, "ens5");

        Assert.Equal("primary", found?.Id);
        Assert.Null(found?.SetName);
    }

    [Fact]
    public void Find_MacMatchInALaterFile_WinsOverTheKernelNameInAnEarlierOne()
    {
        var found = NetplanInventory.FindEthernet(
        [
            ("/etc/netplan/90-mac.yaml", "network:\n  ethernets:\n    uplink:\n      match:\n        macaddress: 12:fb:b4:8b:15:f8\n"),
            ("/etc/netplan/10-name.yaml", "network:\n  ethernets:\n    ens5:\n      dhcp4: true\n"),
        ], Mac, "ens5");

        Assert.Equal(new NetplanEthernet("uplink", null, "/etc/netplan/90-mac.yaml"), found);
    }

    [Fact]
    public void Find_NoMacMatch_FallsBackToTheKernelName()
    {
        var found = NetplanInventory.FindEthernet(
            [("/etc/netplan/10-name.yaml", "network:\n  ethernets:\n    ens5:\n      dhcp4: true\n    ens6: {dhcp4: true}\n")], Mac, "ens5");

        Assert.Equal(new NetplanEthernet("ens5", null, "/etc/netplan/10-name.yaml"), found);
    }

    [Fact]
    public void Find_FirstFileByNameWins()
    {
        var found = NetplanInventory.FindEthernet(
        [
            ("/etc/netplan/60-b.yaml", "network:\n  ethernets:\n    b:\n      match: {macaddress: '12:fb:b4:8b:15:f8'}\n"),
            ("/etc/netplan/50-a.yaml", "network:\n  ethernets:\n    a:\n      match: {macaddress: '12:fb:b4:8b:15:f8'}\n"),
        ], Mac, null);

        Assert.Equal("a", found?.Id);
    }

    [Fact]
    public void Find_Nothing_ReturnsNull() =>
        Assert.Null(NetplanInventory.FindEthernet([("/etc/netplan/50-cloud-init.yaml", Fixture.Text("netplan/50-cloud-init.legacy.yaml"))],
            MacAddress.Parse("02:00:00:00:00:01"), "ens7"));

    [Fact]
    public void Find_InvalidYaml_NamesTheFileAndTheParserLine()
    {
        var error = Assert.Throws<RenderingException>(() => NetplanInventory.FindEthernet(
            [("/etc/netplan/50-cloud-init.yaml", "network:\n  ethernets:\n    ens5:\n   dhcp4: true\n  - x\n")], Mac, "ens5"));

        Assert.Matches(@"^/etc/netplan/50-cloud-init\.yaml:\d+:\d+: invalid YAML: .+\. netplan cannot read this file either", error.Message);
    }
}
