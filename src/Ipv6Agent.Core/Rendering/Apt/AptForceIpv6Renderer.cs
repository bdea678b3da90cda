namespace Ipv6Agent.Rendering.Apt;

/// <summary>Renders the apt drop-in that makes apt connect over IPv6 only, for hosts without an IPv4 default route.</summary>
internal static class AptForceIpv6Renderer
{
    public const string HostPath = "/etc/apt/apt.conf.d/99ipv6-agent-force-ipv6";

    public static string Render() =>
        """
        // Written by ipv6-agent; do not edit.
        // This host has no IPv4 default route, so connections apt tries over IPv4 can only time out.
        // ipv6-agent deletes this file again when the host has an IPv4 default route.
        Acquire::ForceIPv6 "true";

        """;
}
