using Ipv6Agent.Addressing;
using Ipv6Agent.Inspecting;
using Ipv6Agent.Planning;
using Ipv6Agent.Reporting;

namespace Ipv6Agent.Verifying;

/// <summary>
/// The kernel's view after a pass: the ENI holds every host address of the plan with its prefix length, and no
/// interface but docker0 holds an address of Docker's CIDR (a DHCPv6 lease <c>netplan apply</c> left behind, or
/// another file's static address, would steal the containers' traffic). Pure over <c>/proc/net/if_inet6</c>.
/// </summary>
internal static class HostAddressCheck
{
    public const string Name = "host-addresses";
    private const string Bridge = "docker0";

    public static CheckReport Run(NetworkPlan plan, IReadOnlyList<KernelAddress> kernel)
    {
        var onEni = kernel.Where(a => a.Device == plan.InterfaceName).Select(a => a.Address).ToList();
        var missing = plan.HostAddresses.Where(h => !onEni.Contains(h)).ToList();
        var stray = kernel
            .Where(a => a.Device != Bridge && plan.DockerCidr.Contains(a.Address.Address))
            .Select(a => $"{a.Device} still holds {a.Address}")
            .ToList();

        var problems = new List<string>();
        if (missing.Count > 0) problems.Add($"{plan.InterfaceName} lacks {string.Join(", ", missing)}");
        if (stray.Count > 0) problems.Add($"{string.Join(", ", stray)} of Docker's {Ipv6.Format(plan.DockerCidr)}");
        if (problems.Count > 0) return new CheckReport(Name, false, string.Join("; ", problems));

        var held = plan.HostAddresses.Count == 0 ? "no global address (all are Docker's)" : string.Join(", ", plan.HostAddresses);
        return new CheckReport(Name, true, $"{plan.InterfaceName} has {held}; no other interface holds {Ipv6.Format(plan.DockerCidr)}");
    }
}
