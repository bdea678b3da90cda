using System.Text;
using Ipv6Agent.Addressing;
using Ipv6Agent.Planning;

namespace Ipv6Agent.Rendering.Netplan;

/// <summary>
/// Renders <c>/etc/netplan/60-ipv6-agent.yaml</c>: the ENI's static host addresses, a fixed default route via the link-local
/// gateway, DHCPv6 and router advertisements off. It uses the netplan ID that already defines the ENI, so netplan merges it into
/// that definition (later files win for scalars such as <c>dhcp6</c>).
/// </summary>
/// <remarks>
/// The override always carries <c>match: {macaddress}</c> and <c>set-name</c>, whether or not another file defines the ID.
/// When another file does, the values are the same ones (the ID was found by that MAC and the kernel name is what set-name
/// produced), so the merge changes nothing; when none does (or cloud-init's file disappears later), the override alone still
/// selects the right device. Rendering it the same way in both cases also keeps the file stable across passes: the agent never
/// has to know whether the ID it found was defined by its own file.
/// </remarks>
internal static class NetplanOverrideRenderer
{
    public const string HostPath = "/etc/netplan/60-ipv6-agent.yaml";

    /// <remarks>
    /// Names come from the host (the planner refuses any that is not an interface name or a one-line netplan ID); they are
    /// still written only quoted or escaped, so no name can end a comment or a scalar and start a key of its own.
    /// </remarks>
    public static string Render(NetworkPlan plan)
    {
        var text = new StringBuilder()
            .Append("# Written by ipv6-agent; do not edit: the agent rewrites this file on every pass.\n")
            .Append(System.Globalization.CultureInfo.InvariantCulture,
                $"# {Reporting.SafeText.OneLine(plan.InterfaceName)} keeps only its host addresses, statically, with DHCPv6 and router advertisements off,\n")
            .Append(System.Globalization.CultureInfo.InvariantCulture,
                $"# so the rest of the ENI's IPv6 addresses ({Ipv6.Format(plan.DockerCidr)}) can be routed to Docker's bridge.\n")
            .Append("# netplan merges this file into the other files' definition of the same ID.\n")
            .Append("network:\n")
            .Append("  version: 2\n")
            .Append("  ethernets:\n")
            .Append(System.Globalization.CultureInfo.InvariantCulture, $"    {YamlText.Key(plan.NetplanId)}:\n")
            .Append("      match:\n")
            .Append(System.Globalization.CultureInfo.InvariantCulture, $"        macaddress: {YamlText.Quote(plan.Mac.ToString())}\n")
            .Append(System.Globalization.CultureInfo.InvariantCulture, $"      set-name: {YamlText.Quote(plan.InterfaceName)}\n")
            // On an IPv6-only ENI cloud-init still writes dhcp4: true. With DHCPv6 and RAs off, systemd-networkd then counts the
            // link as configured only once DHCPv4 finishes, which it never does there: networkd-wait-online times out (2 min)
            // on every boot, network-online.target comes late and the boot is "degraded". Found on Debian 12 (systemd 252).
            .Append(plan.Ipv6Only ? "      dhcp4: false\n" : "")
            .Append("      dhcp6: false\n")
            .Append("      accept-ra: false\n")
            .Append(plan.HostAddresses.Count == 0 ? "      addresses: []\n" : "      addresses:\n");
        foreach (var address in plan.HostAddresses)
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"        - {YamlText.Quote(address.ToString())}\n");
        return text
            .Append("      routes:\n")
            .Append("        - to: \"::/0\"\n")
            .Append(System.Globalization.CultureInfo.InvariantCulture, $"          via: {YamlText.Quote(Ipv6.Format(plan.Gateway))}\n")
            .ToString();
    }
}
