using Ipv6Agent.Addressing;
using Ipv6Agent.Configuration;
using Ipv6Agent.Inspecting;
using Ipv6Agent.Planning;
using static Ipv6Agent.Planning.PlanFixtures;

namespace Ipv6Agent.Verifying;

public sealed class HostAddressCheckTests
{
    private static readonly NetworkPlan Plan = Planner.Plan(Blog1, HostState(), AddressingMode.Auto);

    private static KernelAddress On(string device, string address) =>
        new(device, PrefixedAddress.TryParse(address, out var a) ? a : throw new FormatException(address), 0x80);

    [Fact]
    public void Run_Converged_OkAndSaysWhatTheEniHas()
    {
        var check = HostAddressCheck.Run(Plan, [On("ens5", "2001:db8:47b:ca03::1:1/64"), On("ens5", "fe80::1/64"), On("docker0", "2001:db8:47b:ca03::9/126")]);

        Assert.True(check.Ok);
        Assert.Equal("host-addresses", check.Name);
        Assert.Equal("ens5 has 2001:db8:47b:ca03::1:1/64; no other interface holds 2001:db8:47b:ca03::8/126", check.Detail);
    }

    [Fact]
    public void Run_DhcpLeaseOfTheBlockLeftOnTheEni_FailsNamingIt()
    {
        var check = HostAddressCheck.Run(Plan, [On("ens5", "2001:db8:47b:ca03::1:1/64"), On("ens5", "2001:db8:47b:ca03::a/128"), On("docker0", "2001:db8:47b:ca03::9/126")]);

        Assert.False(check.Ok);
        Assert.Equal("ens5 still holds 2001:db8:47b:ca03::a/128 of Docker's 2001:db8:47b:ca03::8/126", check.Detail);
    }

    [Fact]
    public void Run_HostAddressMissingOrWrongLength_Fails()
    {
        var check = HostAddressCheck.Run(Plan, [On("ens5", "2001:db8:47b:ca03::1:1/128")]);

        Assert.False(check.Ok);
        Assert.Equal("ens5 lacks 2001:db8:47b:ca03::1:1/64", check.Detail);
    }
}
