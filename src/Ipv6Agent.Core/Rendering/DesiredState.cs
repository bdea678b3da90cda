using Ipv6Agent.Inspecting;
using Ipv6Agent.Planning;
using Ipv6Agent.Rendering.Apt;
using Ipv6Agent.Rendering.Docker;
using Ipv6Agent.Rendering.Netplan;
using Ipv6Agent.Rendering.Sysctl;

namespace Ipv6Agent.Rendering;

/// <summary>Every file the plan needs, current text against desired text, in the order they should be applied. Pure.</summary>
internal static class DesiredState
{
    private const string NetplanDirectory = "/etc/netplan";

    // cloud-init's netplan renderer writes this file and stamps it with this header.
    private const string CloudInitNetplanFile = "50-cloud-init.yaml";
    private const string CloudInitHeader = "# This file is generated from information provided by the datasource.";

    /// <summary>
    /// Netplan first (the agent's override, then the other netplan files cleaned of Docker-CIDR addresses, then the cloud-init
    /// drop-in), then sysctl, apt, and daemon.json last, so Docker restarts onto a host whose network is already in place.
    /// Unchanged files are included (their action is unchanged) so the report lists everything the agent looked after.
    /// </summary>
    /// <remarks>
    /// The cloud-init drop-in is written when cloud-init is installed (<c>/etc/cloud/cloud.cfg</c> exists) and a file cloud-init
    /// renders had to be cleaned, and it is kept once it exists: cloud-init would otherwise re-render that file at the next boot
    /// with the removed addresses. It is not written when cloud-init's file lists no Docker address (older cloud-init writes only
    /// dhcp4/dhcp6): disabling cloud-init's network rendering also stops it from configuring ENIs attached later, a cost paid
    /// only when needed. The agent never deletes the drop-in itself.
    /// Apt source files are included only when <see cref="DesiredStateOptions.FixMirrors"/>; otherwise the agent does not look after them.
    /// </remarks>
    /// <exception cref="RenderingException">A netplan file or daemon.json cannot be parsed.</exception>
    public static IReadOnlyList<FileEdit> Build(NetworkPlan plan, HostSnapshot host, DesiredStateOptions options)
    {
        var edits = new List<FileEdit>
        {
            new(NetplanOverrideRenderer.HostPath, host.TextOf(NetplanOverrideRenderer.HostPath), NetplanOverrideRenderer.Render(plan), FileModes.Private)
            { Role = FileRole.Netplan },
        };

        var cloudInitFileCleaned = false;
        foreach (var path in host.FilesIn(NetplanDirectory, ".yaml").Where(p => p != NetplanOverrideRenderer.HostPath))
        {
            var text = host.TextOf(path)!;
            var cleaned = NetplanCleaner.RemoveAddressesIn(text, plan.DockerCidr, path);
            var edit = new FileEdit(path, text, cleaned, FileModes.Private) { Role = FileRole.Netplan };
            cloudInitFileCleaned |= edit.Changes && IsCloudInitFile(path, text);
            edits.Add(edit);
        }

        var cloudInitCfg = host.TextOf(CloudInitNetworkRenderer.HostPath);
        var cloudInitInstalled = host.TextOf(CloudInitNetworkRenderer.CloudConfigPath) is not null;
        if (cloudInitCfg is not null || (cloudInitInstalled && cloudInitFileCleaned))
            edits.Add(new FileEdit(CloudInitNetworkRenderer.HostPath, cloudInitCfg, CloudInitNetworkRenderer.Render()) { Role = FileRole.CloudInit });

        edits.Add(new FileEdit(SysctlRenderer.HostPath, host.TextOf(SysctlRenderer.HostPath), SysctlRenderer.Render()) { Role = FileRole.Sysctl });

        if (options.FixMirrors)
        {
            var sources = new[] { "/etc/apt/sources.list" }.Where(p => host.TextOf(p) is not null)
                .Select(p => (Path: p, Format: AptSourceFormat.OneLine))
                .Concat(host.FilesIn("/etc/apt/sources.list.d", ".list").Select(p => (Path: p, Format: AptSourceFormat.OneLine)))
                .Concat(host.FilesIn("/etc/apt/sources.list.d", ".sources").Select(p => (Path: p, Format: AptSourceFormat.Deb822)));
            foreach (var (path, format) in sources)
            {
                var text = host.TextOf(path)!;
                edits.Add(new FileEdit(path, text, AptSourcesRenderer.FixMirrors(text, format)) { Role = FileRole.Apt });
            }
        }

        var forceIpv6 = host.TextOf(AptForceIpv6Renderer.HostPath);
        if (!host.HasIpv4DefaultRoute)
            edits.Add(new FileEdit(AptForceIpv6Renderer.HostPath, forceIpv6, AptForceIpv6Renderer.Render()) { Role = FileRole.Apt });
        else if (forceIpv6 is not null)
            edits.Add(new FileEdit(AptForceIpv6Renderer.HostPath, forceIpv6, null) { Role = FileRole.Apt });

        var daemonJson = host.TextOf(DaemonJsonRenderer.HostPath);
        edits.Add(new FileEdit(
            DaemonJsonRenderer.HostPath,
            daemonJson,
            DaemonJsonRenderer.Merge(daemonJson, plan.DockerCidr, options.DockerVersion ?? host.DockerVersion))
        { Role = FileRole.Docker });

        return edits;
    }

    private static bool IsCloudInitFile(string path, string text) =>
        Path.GetFileName(path) == CloudInitNetplanFile || text.StartsWith(CloudInitHeader, StringComparison.Ordinal);
}
