namespace Ipv6Agent.Rendering.Netplan;

/// <summary>
/// Renders the cloud-init drop-in that stops cloud-init from rendering network configuration. On EC2 cloud-init re-renders
/// <c>/etc/netplan/50-cloud-init.yaml</c> from IMDS at every boot, which would put back the Docker-CIDR addresses the agent cut
/// from it; with network rendering disabled the cleaned file survives reboots.
/// </summary>
internal static class CloudInitNetworkRenderer
{
    public const string HostPath = "/etc/cloud/cloud.cfg.d/99-ipv6-agent-network.cfg";

    /// <summary>Presence of this file means cloud-init is installed.</summary>
    public const string CloudConfigPath = "/etc/cloud/cloud.cfg";

    public static string Render() =>
        """
        # Written by ipv6-agent; do not edit.
        # cloud-init re-renders /etc/netplan/50-cloud-init.yaml from the instance metadata at every boot. That file listed
        # IPv6 addresses that now belong to Docker's bridge, and ipv6-agent removed them; without this setting cloud-init
        # would put them back on the next boot. The network configuration cloud-init already wrote stays in effect.
        # Remove this file to let cloud-init manage the network again from the next boot.
        network: {config: disabled}

        """;
}
