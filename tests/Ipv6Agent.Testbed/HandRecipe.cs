using System.Net;
using System.Text.Json.Nodes;
using Ipv6Agent.Addressing;
using Ipv6Agent.Testbed.Instances;
using Ipv6Agent.Testbed.Network;

namespace Ipv6Agent.Testbed;

/// <summary>
/// The blog's recipe done by hand on an instance, without the agent: a netplan override with the
/// host addresses, daemon.json with the Docker CIDR, forwarding on. It proves the simulated VPC
/// itself carries container-to-container traffic, so an end-to-end failure is the agent's.
/// </summary>
internal static class HandRecipe
{
    /// <param name="waitOnline">Wait for the ENI to be online before the Docker restart; the benchmarks' bare procedure
    /// (what a person scripts, nothing verified) does not.</param>
    public static async Task ApplyAsync(Instance instance, IPNetwork dockerCidr, IReadOnlyList<PrefixedAddress> hostAddresses,
        bool waitOnline = true)
    {
        var addresses = string.Join(", ", hostAddresses.Select(a => $"\"{a}\""));
        var netplan = instance.PathOf("/etc/netplan/60-ipv6-agent.yaml");
        await File.WriteAllTextAsync(netplan, $"""
            network:
              version: 2
              ethernets:
                ens5:
                  dhcp6: false
                  accept-ra: false
                  addresses: [{addresses}]
                  routes:
                    - to: default
                      via: "{VpcRouter.Gateway}"

            """);
        File.SetUnixFileMode(netplan, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllTextAsync(instance.PathOf("/etc/sysctl.d/60-ipv6-agent.conf"), "net.ipv6.conf.all.forwarding = 1\n");
        await Cmd.SysctlAsync(instance.Namespace, "net.ipv6.conf.all.forwarding", "1");

        var daemonJson = instance.PathOf("/etc/docker/daemon.json");
        var json = JsonNode.Parse(await File.ReadAllTextAsync(daemonJson))!.AsObject();
        json["ipv6"] = true;
        json["fixed-cidr-v6"] = Ipv6.Format(dockerCidr);
        await File.WriteAllTextAsync(daemonJson, json.ToJsonString(new() { WriteIndented = true }) + "\n");

        (await instance.RunScriptAsync("netplan-apply")).Check();
        if (waitOnline) await instance.WaitOnlineAsync();
        (await instance.RunScriptAsync("docker-restart")).Check();
    }
}
