using System.Net;
using Ipv6Agent.Rendering.Netplan;

namespace Ipv6Agent.Rendering;

public sealed class NetplanCleanerTests
{
    private const string CloudInitPath = "/etc/netplan/50-cloud-init.yaml";

    private static string Clean(string text, string path = CloudInitPath) =>
        NetplanCleaner.RemoveAddressesIn(text, BlogPlan.DockerCidr, path);

    [Fact]
    public void Clean_ModernCloudInit_RemovesDockerBlockAddressesKeepsComments()
    {
        var original = Fixture.Text("netplan/50-cloud-init.modern.yaml");

        var cleaned = Clean(original);

        Golden.AssertMatches("netplan/50-cloud-init.modern.cleaned.yaml", cleaned);
        Assert.StartsWith("# This file is generated from information provided by the datasource.", cleaned);
        Assert.DoesNotContain("2001:db8:47b:ca03::", cleaned);
        Assert.Contains("            - 2001:db8:47b:ca04::2/64\n", cleaned);
        // Only whole address lines went away; every other line is the original one, in order.
        var kept = original.Split('\n').Where(l => !l.Contains("2001:db8:47b:ca03::", StringComparison.Ordinal)).ToList();
        kept.Remove("            addresses:");
        Assert.Equal(kept, cleaned.Split('\n'));
    }

    [Fact]
    public void Clean_ModernCloudInitListingTheHostAddress_KeepsOnlyTheHostAddress()
    {
        var cleaned = Clean(Fixture.Text("netplan/50-cloud-init.modern-host-address-listed.yaml"));

        Golden.AssertMatches("netplan/50-cloud-init.modern-host-address-listed.cleaned.yaml", cleaned);
        Assert.Contains("            addresses:\n            - 2001:db8:47b:ca03::1:1/64\n            dhcp4: true\n", cleaned);
    }

    [Fact]
    public void Clean_LegacyCloudInit_ReturnsTheSameString()
    {
        var original = Fixture.Text("netplan/50-cloud-init.legacy.yaml");

        Assert.Same(original, Clean(original));
    }

    [Fact]
    public void Clean_HandWritten_RemovesEverySpellingOnEveryDeviceType()
    {
        var cleaned = Clean(Fixture.Text("netplan/01-hand-written.yaml"), "/etc/netplan/01-hand-written.yaml");

        Golden.AssertMatches("netplan/01-hand-written.cleaned.yaml", cleaned);
        Assert.Contains("""addresses: [ "2001:db8:47b:ca03::1:1/64" ]""", cleaned);
        Assert.Contains("nameservers:\n        addresses: [2001:db8:47b:ca03::8]   # a DNS server", cleaned);
        Assert.Contains("        - 192.0.2.10/24         # IPv4 stays\n        - 2001:db8:1::1/64      # outside the Docker CIDR\n", cleaned);
        Assert.Contains("    vlan10:\n      id: 10\n      link: ens5\n  bonds:", cleaned);
        Assert.Contains("bond0: {interfaces: [], dhcp4: false}", cleaned);
    }

    [Fact]
    public void Clean_TwiceIsTheSameAsOnce()
    {
        foreach (var name in new[] { "01-hand-written.yaml", "50-cloud-init.modern.yaml", "50-cloud-init.modern-host-address-listed.yaml" })
        {
            var once = Clean(Fixture.Text("netplan/" + name));
            Assert.Same(once, Clean(once));
        }
    }

    [Fact]
    public void Clean_AddressesIsTheOnlyKey_LeavesAnEmptyListNetplanAccepts()
    {
        const string text = "network:\n  ethernets:\n    ens9:\n      addresses:\n      - 2001:db8:47b:ca03::9/64  # docker\n  version: 2\n";

        Assert.Equal("network:\n  ethernets:\n    ens9:\n      addresses: []  # docker\n  version: 2\n", Clean(text));
    }

    [Fact]
    public void Clean_FlowListLosingItsLastItems_KeepsTheFirst()
    {
        const string text = "network:\n  ethernets:\n    ens5:\n      addresses: [2001:db8:47b:ca03::1:1/64, 2001:db8:47b:ca03::9/64, \"2001:db8:47b:ca03::a/64\"]\n      dhcp6: true\n";

        Assert.Equal("network:\n  ethernets:\n    ens5:\n      addresses: [2001:db8:47b:ca03::1:1/64]\n      dhcp6: true\n", Clean(text));
    }

    [Fact]
    public void Clean_DashOnItsOwnLineWithAComment_RemovesTheWholeItem()
    {
        const string text = "network:\n  ethernets:\n    ens5:\n      addresses:\n      - # docker's\n        2001:db8:47b:ca03::9/64\n      - 2001:db8:47b:ca03::1:1/64\n";

        Assert.Equal("network:\n  ethernets:\n    ens5:\n      addresses:\n      - 2001:db8:47b:ca03::1:1/64\n", Clean(text));
    }

    [Fact]
    public void Clean_CrLfFile_KeepsCrLf()
    {
        const string text = "network:\r\n  ethernets:\r\n    ens5:\r\n      addresses:\r\n      - 2001:db8:47b:ca03::9/64\r\n      - 2001:db8:47b:ca03::1:1/64\r\n";

        Assert.Equal("network:\r\n  ethernets:\r\n    ens5:\r\n      addresses:\r\n      - 2001:db8:47b:ca03::1:1/64\r\n", Clean(text));
    }

    [Fact]
    public void Clean_OtherDockerCidr_LeavesAddressesOutsideIt()
    {
        var original = Fixture.Text("netplan/50-cloud-init.modern.yaml");

        Assert.Same(original, NetplanCleaner.RemoveAddressesIn(original, IPNetwork.Parse("2001:db8:47b:ca03::10/126"), CloudInitPath));
    }

    [Fact]
    public void Clean_InvalidYaml_NamesTheFileTheLineAndWhatToDo()
    {
        const string text = "network:\n  ethernets:\n    ens5:\n      addresses: [2001:db8:47b:ca03::9/64\n      dhcp6: true\n";

        var error = Assert.Throws<RenderingException>(() => Clean(text));

        Assert.Equal(CloudInitPath, error.HostPath);
        Assert.StartsWith("/etc/netplan/50-cloud-init.yaml:4:18: invalid YAML: the parser stopped after this point", error.Message);
        Assert.Contains("fix it (`netplan generate` shows the same error) and run ipv6-agent again. The file was left unchanged.", error.Message);
    }

    [Fact]
    public void Clean_BadIndentation_QuotesTheParsersLineAndReason()
    {
        const string text = "network:\n  ethernets:\n    ens5:\n      dhcp4: true\n     dhcp6: true\n";

        var error = Assert.Throws<RenderingException>(() => Clean(text));

        Assert.Equal("/etc/netplan/50-cloud-init.yaml:5:6: invalid YAML: While parsing a block mapping, did not find expected key. " +
                     "netplan cannot read this file either; fix it (`netplan generate` shows the same error) and run ipv6-agent again. The file was left unchanged.",
            error.Message);
    }
}
