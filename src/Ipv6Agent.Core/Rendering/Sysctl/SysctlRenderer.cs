namespace Ipv6Agent.Rendering.Sysctl;

/// <summary>Renders <c>/etc/sysctl.d/60-ipv6-agent.conf</c>: IPv6 forwarding on.</summary>
internal static class SysctlRenderer
{
    public const string HostPath = "/etc/sysctl.d/60-ipv6-agent.conf";

    public static string Render() =>
        """
        # Written by ipv6-agent; do not edit.
        # Containers keep their own public IPv6 addresses: the host routes their packets between the ENI and Docker's
        # bridge instead of translating them (no NAT66), which needs IPv6 forwarding.
        # Forwarding makes the kernel ignore router advertisements unless accept_ra is 2; that is harmless here because
        # ipv6-agent turns router advertisements off on the ENI and configures the default route statically.
        net.ipv6.conf.all.forwarding = 1

        """;
}
