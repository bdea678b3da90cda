using System.Net;
using Ipv6Agent.Addressing;
using Ipv6Agent.Configuration;
using Ipv6Agent.Inspecting;
using Ipv6Agent.Imds;
using Ipv6Agent.Rendering.Netplan;

namespace Ipv6Agent.Planning;

/// <summary>Decides the host's IPv6 layout from IMDS and the host's current state. Pure: values in, a plan or a <see cref="PlanningException"/> out.</summary>
internal static class Planner
{
    /// <summary>EC2 answers neighbour discovery for this router address on every subnet; used when the kernel has no default router.</summary>
    public static readonly IPAddress FallbackGateway = IPAddress.Parse("fe80:ec2::1");

    public static NetworkPlan Plan(ImdsSnapshot imds, HostSnapshot host, AddressingMode mode)
    {
        var eni = imds.Interface;
        var netplanFiles = host.FilesIn("/etc/netplan", ".yaml").Select(p => (p, host.Files[p])).ToList();
        var kernelName = host.InterfaceNameOf(eni.Mac);
        var entry = NetplanInventory.FindEthernet(netplanFiles, eni.Mac, kernelName);
        var interfaceName = kernelName ?? entry?.SetName
            ?? throw new PlanningException(
                $"No network interface on this host has MAC {eni.Mac} (ENI {eni.InterfaceId}), and no netplan file names one for it. " +
                "Check that the ENI is attached to this instance, or set 'interface:' in the configuration to another ENI's MAC.");
        var netplanId = entry?.Id ?? interfaceName;
        HostNames.CheckInterface(interfaceName, kernelName is not null ? "/sys/class/net" : entry!.DefinedIn);
        HostNames.CheckNetplanId(netplanId, entry?.DefinedIn);

        var (source, dockerCidr) = ChooseDockerCidr(eni, interfaceName, mode);
        var hostAddresses = eni.Ipv6s
            .Where(a => !dockerCidr.Contains(a))
            .Select(a => new PrefixedAddress(a, SubnetOf(eni, a).PrefixLength))
            .ToList();

        return new NetworkPlan(
            source,
            eni.Mac,
            eni.InterfaceId,
            interfaceName,
            netplanId,
            hostAddresses,
            CurrentDefaultRouter(host, interfaceName) ?? FallbackGateway,
            dockerCidr,
            Ipv6.Add(dockerCidr.BaseAddress, 1),
            Ipv6Only: !eni.HasIpv4);
    }

    private static (AddressSource, IPNetwork) ChooseDockerCidr(ImdsInterface eni, string interfaceName, AddressingMode mode)
    {
        if (mode != AddressingMode.Block && eni.Ipv6Prefixes.Count > 0)
            return (AddressSource.Prefix, eni.Ipv6Prefixes.MinBy(p => (Ipv6.ToUInt128(p.BaseAddress), p.PrefixLength)));
        if (mode == AddressingMode.Prefix)
            throw new PlanningException(
                $"ENI {eni.InterfaceId} ({interfaceName}) has no delegated IPv6 prefix, and 'addressing: prefix' asks for one. " +
                $"Give it one: aws ec2 assign-ipv6-addresses --network-interface-id {eni.InterfaceId} --ipv6-prefix-count 1 " +
                "(or set 'addressing: block' to use a block of its addresses).");
        return AlignedBlock.Find(eni.Ipv6s) is { } block
            ? (AddressSource.Block, block)
            : throw new PlanningException(NoBlockMessage(eni, interfaceName, mode));
    }

    private static string NoBlockMessage(ImdsInterface eni, string interfaceName, AddressingMode mode)
    {
        var have = eni.Ipv6s.Count == 0 ? "no IPv6 address" : $"{eni.Ipv6s.Count} IPv6 address(es) ({string.Join(", ", eni.Ipv6s.Select(Ipv6.Format))})";
        var subnet = eni.SubnetIpv6Cidrs.Count > 0 ? eni.SubnetIpv6Cidrs[0] : (IPNetwork?)null;
        var prefixOption = mode == AddressingMode.Auto
            ? $"Give it a delegated prefix: aws ec2 assign-ipv6-addresses --network-interface-id {eni.InterfaceId} --ipv6-prefix-count 1"
            : null;
        string blockOption;
        if (subnet is null)
        {
            blockOption = $"Its subnet has no IPv6 CIDR block: associate one with the subnet (aws ec2 associate-subnet-cidr-block --subnet-id … --ipv6-cidr-block …), then assign addresses to {eni.InterfaceId}.";
        }
        else
        {
            var (missing, hostNeedsOne) = AlignedBlock.Suggest(eni.Ipv6s, subnet.Value);
            blockOption = $"or give it an aligned block of 4 addresses: aws ec2 assign-ipv6-addresses --network-interface-id {eni.InterfaceId} " +
                          $"--ipv6-addresses {string.Join(' ', missing.Select(Ipv6.Format))}" +
                          (hostNeedsOne ? $", plus one more address for the host (--ipv6-address-count 1)" : "");
        }
        return $"ENI {eni.InterfaceId} ({interfaceName}) has {have}: neither a delegated prefix nor an aligned block of at least 4 of its addresses " +
               $"(with one left over for the host) is available for Docker. " +
               (prefixOption is null ? char.ToUpperInvariant(blockOption[0]) + blockOption[1..] : $"{prefixOption}, {blockOption}") + ".";
    }

    private static IPNetwork SubnetOf(ImdsInterface eni, IPAddress address) =>
        eni.SubnetIpv6Cidrs.FirstOrDefault(s => s.Contains(address)) is { PrefixLength: > 0 } subnet
            ? subnet
            : throw new PlanningException($"IMDS lists {Ipv6.Format(address)} on ENI {eni.InterfaceId}, but it lies in none of the subnet's IPv6 CIDR blocks ({string.Join(", ", eni.SubnetIpv6Cidrs.Select(Ipv6.Format))}).");

    /// <summary>The link-local default router the kernel uses now on <paramref name="interfaceName"/> (lowest metric).</summary>
    private static IPAddress? CurrentDefaultRouter(HostSnapshot host, string interfaceName) =>
        host.Ipv6Routes
            .Where(r => r.Destination.PrefixLength == 0 && r.Device == interfaceName && r.NextHop.IsIPv6LinkLocal)
            .OrderBy(r => r.Metric)
            .Select(r => r.NextHop)
            .FirstOrDefault();
}
