using System.Text;
using Ipv6Agent.Addressing;
using Ipv6Agent.Testbed.Scenarios;
using YamlDotNet.RepresentationModel;

namespace Ipv6Agent.Testbed.Instances;

/// <summary>
/// The part of cloud-init that matters here: on EC2 it renders <c>/etc/netplan/50-cloud-init.yaml</c>
/// from the metadata on every boot, unless a <c>cloud.cfg.d</c> file says <c>network: {config: disabled}</c>.
/// </summary>
internal static class CloudInit
{
    public const string NetplanPath = "/etc/netplan/50-cloud-init.yaml";
    public const string ConfigFolder = "/etc/cloud/cloud.cfg.d";

    private const string Header = """
        # This file is generated from information provided by the datasource.  Changes
        # to it will not persist across an instance reboot.  To disable cloud-init's
        # network configuration capabilities, write a file
        # /etc/cloud/cloud.cfg.d/99-disable-network-config.cfg with the following:
        # network: {config: disabled}

        """;

    /// <summary>The netplan file cloud-init writes for the instance's primary ENI.</summary>
    public static string RenderNetplan(CloudInitFlavour flavour, InstanceSpec instance, int subnetLength)
    {
        var sb = new StringBuilder(Header);
        sb.Append("network:\n    ethernets:\n        ens5:\n");
        if (flavour == CloudInitFlavour.Current && instance.Ipv6s.Count > 1)
        {
            // Current cloud-init lists the ENI's secondary IPv6 addresses as static ones.
            sb.Append("            addresses:\n");
            foreach (var a in instance.Ipv6s.Skip(1))
            {
                sb.Append("            - ").Append(new PrefixedAddress(a, subnetLength)).Append('\n');
            }
        }

        sb.Append("            dhcp4: true\n");
        if (flavour == CloudInitFlavour.Current)
        {
            sb.Append("            dhcp4-overrides:\n                route-metric: 100\n");
        }

        sb.Append("            dhcp6: true\n");
        if (flavour == CloudInitFlavour.Current)
        {
            sb.Append("            dhcp6-overrides:\n                route-metric: 100\n");
        }

        sb.Append("            match:\n                macaddress: ").Append(instance.Mac).Append('\n');
        sb.Append("            set-name: ens5\n    version: 2\n");
        return sb.ToString();
    }

    /// <summary>True when a <c>cloud.cfg.d/*.cfg</c> file under <paramref name="root"/> disables network configuration.</summary>
    public static bool NetworkConfigDisabled(string root)
    {
        var folder = RootedPath(root, ConfigFolder);
        if (!Directory.Exists(folder))
        {
            return false;
        }

        foreach (var file in Directory.GetFiles(folder, "*.cfg").Order(StringComparer.Ordinal))
        {
            var yaml = new YamlStream();
            try
            {
                yaml.Load(new StringReader(File.ReadAllText(file)));
            }
            catch (YamlDotNet.Core.YamlException)
            {
                continue; // cloud-init skips a file it cannot parse, with a warning
            }

            if (yaml.Documents.FirstOrDefault()?.RootNode is YamlMappingNode map
                && map.Children.TryGetValue(new YamlScalarNode("network"), out var network)
                && network is YamlMappingNode n
                && n.Children.TryGetValue(new YamlScalarNode("config"), out var config)
                && config is YamlScalarNode { Value: "disabled" })
            {
                return true;
            }
        }

        return false;
    }

    public static string RootedPath(string root, string hostPath) => Path.Combine(root, hostPath.TrimStart('/'));
}
