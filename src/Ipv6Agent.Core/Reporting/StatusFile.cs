namespace Ipv6Agent.Reporting;

/// <summary>Where the last report lives: on tmpfs, so a reboot starts with "no report yet" rather than a stale answer.</summary>
internal static class StatusFile
{
    public const string HostPath = "/run/ipv6-agent/status.json";
}
