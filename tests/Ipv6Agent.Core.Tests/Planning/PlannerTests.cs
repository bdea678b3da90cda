using System.Net;
using Ipv6Agent.Addressing;
using Ipv6Agent.Configuration;
using Ipv6Agent.Inspecting;
using static Ipv6Agent.Planning.PlanFixtures;

namespace Ipv6Agent.Planning;

public sealed class PlannerTests
{
    [Fact]
    public void Plan_BlogInstance1_PicksAligned126ForDockerAndKeepsOneAddressForTheHost()
    {
        var plan = Planner.Plan(Blog1, HostState(), AddressingMode.Auto);

        Assert.Equal(AddressSource.Block, plan.Source);
        Assert.Equal("2001:db8:47b:ca03::8/126", Ipv6.Format(plan.DockerCidr));
        Assert.Equal("2001:db8:47b:ca03::9", Ipv6.Format(plan.DockerGateway));
        Assert.Equal(["2001:db8:47b:ca03::1:1/64"], plan.HostAddresses.Select(a => a.ToString()));
        Assert.Equal("fe80::1066:30ff:feb8:c008", Ipv6.Format(plan.Gateway));
        Assert.Equal("ens5", plan.InterfaceName);
        Assert.Equal("ens5", plan.NetplanId);
        Assert.Equal("eni-0a1b2c3d4e5f67890", plan.EniId);
    }

    [Fact]
    public void Plan_BlogInstance2_DockerGetsC126()
    {
        var plan = Planner.Plan(EniSnapshot(Addresses("::c", "::d", "::e", "::f", "::2:2")), HostState(), AddressingMode.Auto);

        Assert.Equal("2001:db8:47b:ca03::c/126", Ipv6.Format(plan.DockerCidr));
        Assert.Equal("2001:db8:47b:ca03::d", Ipv6.Format(plan.DockerGateway));
        Assert.Equal(["2001:db8:47b:ca03::2:2/64"], plan.HostAddresses.Select(a => a.ToString()));
    }

    [Fact]
    public void Plan_EightAlignedPlusHost_PicksThe125()
    {
        var plan = Planner.Plan(EniSnapshot(Addresses("::8", "::9", "::a", "::b", "::c", "::d", "::e", "::f", "::1:1")), HostState(), AddressingMode.Auto);

        Assert.Equal("2001:db8:47b:ca03::8/125", Ipv6.Format(plan.DockerCidr));
        Assert.Single(plan.HostAddresses);
    }

    [Fact]
    public void Plan_ExactlyEightAligned_HalvesSoTheHostKeepsAnAddress()
    {
        var plan = Planner.Plan(EniSnapshot(Addresses("::8", "::9", "::a", "::b", "::c", "::d", "::e", "::f")), HostState(), AddressingMode.Auto);

        Assert.Equal("2001:db8:47b:ca03::8/126", Ipv6.Format(plan.DockerCidr));
        Assert.Equal(
            ["2001:db8:47b:ca03::c/64", "2001:db8:47b:ca03::d/64", "2001:db8:47b:ca03::e/64", "2001:db8:47b:ca03::f/64"],
            plan.HostAddresses.Select(a => a.ToString()));
    }

    [Fact]
    public void Plan_TwoCompeting126s_PicksTheLowest()
    {
        var plan = Planner.Plan(EniSnapshot(Addresses("::20", "::21", "::22", "::23", "::4", "::5", "::6", "::7", "::1:1")), HostState(), AddressingMode.Auto);

        Assert.Equal("2001:db8:47b:ca03::4/126", Ipv6.Format(plan.DockerCidr));
        Assert.Equal(5, plan.HostAddresses.Count);
    }

    [Fact]
    public void Plan_LargerBlockHigherUp_WinsOverALowerSmallerOne()
    {
        var plan = Planner.Plan(
            EniSnapshot(Addresses("::4", "::5", "::6", "::7", "::10", "::11", "::12", "::13", "::14", "::15", "::16", "::17", "::1:1")),
            HostState(), AddressingMode.Auto);

        Assert.Equal("2001:db8:47b:ca03::10/125", Ipv6.Format(plan.DockerCidr));
    }

    [Fact]
    public void Plan_FourContiguousButUnaligned_IsRefusedWithTheAssignCommand()
    {
        // ::9 ::a ::b ::c are contiguous but straddle two /126 boundaries.
        var error = Assert.Throws<PlanningException>(() =>
            Planner.Plan(EniSnapshot(Addresses("::9", "::a", "::b", "::c", "::1:1")), HostState(), AddressingMode.Auto));

        Assert.Contains("ENI eni-0a1b2c3d4e5f67890 (ens5)", error.Message);
        Assert.Contains("aws ec2 assign-ipv6-addresses --network-interface-id eni-0a1b2c3d4e5f67890 --ipv6-prefix-count 1", error.Message);
        Assert.Contains("--ipv6-addresses 2001:db8:47b:ca03::8", error.Message);
    }

    [Fact]
    public void Plan_OnlyFourAddresses_RefusedBecauseTheHostWouldHaveNone()
    {
        var error = Assert.Throws<PlanningException>(() =>
            Planner.Plan(EniSnapshot(Addresses("::8", "::9", "::a", "::b")), HostState(), AddressingMode.Auto));

        Assert.Contains("plus one more address for the host", error.Message);
    }

    [Fact]
    public void Plan_NoIpv6AtAll_SaysWhatTheEniNeedsWithTheCommand()
    {
        var error = Assert.Throws<PlanningException>(() => Planner.Plan(EniSnapshot([]), HostState(), AddressingMode.Auto));

        Assert.Contains("has no IPv6 address", error.Message);
        Assert.Contains("aws ec2 assign-ipv6-addresses --network-interface-id eni-0a1b2c3d4e5f67890", error.Message);
        Assert.Contains("--ipv6-addresses 2001:db8:47b:ca03::4 2001:db8:47b:ca03::5 2001:db8:47b:ca03::6 2001:db8:47b:ca03::7", error.Message);
    }

    [Fact]
    public void Plan_SubnetWithoutIpv6_SaysToAssociateACidr()
    {
        var error = Assert.Throws<PlanningException>(() => Planner.Plan(EniSnapshot([], subnets: []), HostState(), AddressingMode.Block));

        Assert.Contains("subnet has no IPv6 CIDR block", error.Message);
    }

    [Fact]
    public void Plan_DelegatedPrefix_GoesToDockerAndEveryAddressToTheHost()
    {
        var plan = Planner.Plan(
            EniSnapshot(Addresses("::1:1", "::8", "::9", "::a", "::b"), prefixes: ["2001:db8:47b:ca03:9b7e::/80", "2001:db8:47b:ca03:1234::/80"]),
            HostState(), AddressingMode.Auto);

        Assert.Equal(AddressSource.Prefix, plan.Source);
        Assert.Equal("2001:db8:47b:ca03:1234::/80", Ipv6.Format(plan.DockerCidr));
        Assert.Equal("2001:db8:47b:ca03:1234::1", Ipv6.Format(plan.DockerGateway));
        Assert.Equal(5, plan.HostAddresses.Count);
    }

    [Fact]
    public void Plan_BlockModeWithAPrefix_IgnoresThePrefix()
    {
        var plan = Planner.Plan(EniSnapshot(Addresses("::8", "::9", "::a", "::b", "::1:1"), prefixes: ["2001:db8:47b:ca03:9b7e::/80"]),
            HostState(), AddressingMode.Block);

        Assert.Equal(AddressSource.Block, plan.Source);
        Assert.Equal("2001:db8:47b:ca03::8/126", Ipv6.Format(plan.DockerCidr));
    }

    [Fact]
    public void Plan_PrefixModeWithoutPrefix_NamesThePrefixCommand()
    {
        var error = Assert.Throws<PlanningException>(() => Planner.Plan(Blog1, HostState(), AddressingMode.Prefix));

        Assert.Contains("has no delegated IPv6 prefix", error.Message);
        Assert.Contains("--ipv6-prefix-count 1", error.Message);
    }

    [Fact]
    public void Plan_NoDefaultRouterInTheKernel_FallsBackToEc2sRouterAddress()
    {
        var plan = Planner.Plan(Blog1, HostState(defaultRouter: null), AddressingMode.Auto);

        Assert.Equal(IPAddress.Parse("fe80:ec2::1"), plan.Gateway);
    }

    [Fact]
    public void Plan_DefaultRouterOnAnotherInterface_IsNotUsed()
    {
        var host = HostState() with
        {
            Ipv6Routes = [new KernelRoute(new IPNetwork(IPAddress.IPv6Any, 0), IPAddress.Parse("fe80::99"), "ens6", 100)],
        };

        Assert.Equal(IPAddress.Parse("fe80:ec2::1"), Planner.Plan(Blog1, host, AddressingMode.Auto).Gateway);
    }

    [Fact]
    public void Plan_NetplanMatchesByMac_UsesThatIdEvenWhenNamedDifferently()
    {
        const string cloudInit = """
            network:
              version: 2
              ethernets:
                ens5-primary:
                  match:
                    macaddress: "12:FB:B4:8B:15:F8"
                  set-name: ens5
                  dhcp6: true
                ens5:
                  dhcp4: true
            """;
        var plan = Planner.Plan(Blog1, HostState(files: ("/etc/netplan/50-cloud-init.yaml", cloudInit)), AddressingMode.Auto);

        Assert.Equal("ens5-primary", plan.NetplanId);
        Assert.Equal("ens5", plan.InterfaceName);
    }

    [Fact]
    public void Plan_NoKernelInterfaceButNetplanSetName_UsesTheSetName()
    {
        const string cloudInit = """
            network:
              ethernets:
                eth0:
                  match: {macaddress: "12:fb:b4:8b:15:f8"}
                  set-name: eth0
            """;
        var host = HostState(files: ("/etc/netplan/50-cloud-init.yaml", cloudInit)) with { Interfaces = [] };

        var plan = Planner.Plan(Blog1, host, AddressingMode.Auto);

        Assert.Equal(("eth0", "eth0"), (plan.InterfaceName, plan.NetplanId));
    }

    [Fact]
    public void Plan_MacNowhere_SaysTheEniIsNotAttached()
    {
        var host = HostState() with { Interfaces = [] };

        var error = Assert.Throws<PlanningException>(() => Planner.Plan(Blog1, host, AddressingMode.Auto));

        Assert.Contains("No network interface on this host has MAC 12:fb:b4:8b:15:f8 (ENI eni-0a1b2c3d4e5f67890)", error.Message);
    }

    [Fact]
    public void Plan_InvalidNetplanYaml_NamesTheFile()
    {
        var error = Assert.Throws<Rendering.RenderingException>(() =>
            Planner.Plan(Blog1, HostState(files: ("/etc/netplan/50-cloud-init.yaml", "network: [unclosed")), AddressingMode.Auto));

        Assert.StartsWith("/etc/netplan/50-cloud-init.yaml:2:1: invalid YAML", error.Message);
    }
}
