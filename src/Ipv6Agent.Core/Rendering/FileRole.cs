namespace Ipv6Agent.Rendering;

/// <summary>What a file is for, so the applier knows what a change to it requires (a netplan apply, a Docker restart, nothing).</summary>
public enum FileRole
{
    /// <summary>A file under <c>/etc/netplan</c>: a change needs <c>netplan apply</c>.</summary>
    Netplan,

    /// <summary>A <c>/etc/sysctl.d</c> drop-in: a change needs the setting applied (<c>sysctl -p FILE</c>).</summary>
    Sysctl,

    /// <summary>An apt source list or apt.conf.d drop-in: read by apt on its next run, nothing to restart.</summary>
    Apt,

    /// <summary><c>/etc/docker/daemon.json</c>: a change needs Docker restarted.</summary>
    Docker,

    /// <summary>A cloud-init drop-in: read at the next boot, nothing to restart.</summary>
    CloudInit,
}
