using Ipv6Agent.Testing;
using Ipv6Agent.Testing.Imds;

namespace Ipv6Agent.Cli;

/// <summary>The blog's instance-1 as EC2 leaves it after boot, as files under a temp root, with its IMDS.</summary>
internal static class BlogHost
{
    public const string Mac = FakeInstances.BlogMac;

    /// <summary>Listed out of order, as IMDS may: the agent sorts.</summary>
    public static FakeInstance Instance1 => FakeInstances.Blog;

    public const string CloudInitNetplan = """
        # This file is generated from information provided by the datasource.  Changes
        # to it will not persist across an instance reboot.  To disable cloud-init's
        # network configuration capabilities, write a file
        # /etc/cloud/cloud.cfg.d/99-disable-network-config.cfg with the following:
        # network: {config: disabled}
        network:
            ethernets:
                ens5:
                    dhcp4: true
                    dhcp4-overrides:
                        route-metric: 100
                    dhcp6: true
                    dhcp6-overrides:
                        route-metric: 100
                    match:
                        macaddress: 12:fb:b4:8b:15:f8
                    set-name: ens5
            version: 2

        """;

    public const string DaemonJson = """
        {
          "log-driver": "json-file",
          "log-opts": { "max-size": "10m" }
        }

        """;

    public const string UbuntuSources = """
        Types: deb
        URIs: http://us-east-1.ec2.archive.ubuntu.com/ubuntu/
        Suites: noble noble-updates noble-backports
        Components: main restricted universe multiverse
        Signed-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg

        Types: deb
        URIs: http://security.ubuntu.com/ubuntu/
        Suites: noble-security
        Components: main restricted universe multiverse
        Signed-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg

        """;

    public static TempRoot Root() => new TempRoot()
        .With("/etc/netplan/50-cloud-init.yaml", CloudInitNetplan, UnixFileMode.UserRead | UnixFileMode.UserWrite)
        .With("/etc/docker/daemon.json", DaemonJson)
        .With("/etc/apt/sources.list.d/ubuntu.sources", UbuntuSources)
        .With("/etc/cloud/cloud.cfg", "datasource_list: [ Ec2 ]\n")
        .With("/sys/class/net/lo/address", "00:00:00:00:00:00\n")
        .With("/sys/class/net/ens5/address", Mac + "\n")
        .With("/proc/net/ipv6_route",
            "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe80000000000000106630fffeb8c008 00000400 00000001 00000000 00000003     ens5\n")
        .With("/proc/net/route", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n");

    /// <summary>
    /// A config that points the agent at the temp root, the fake IMDS, and no Docker engine. The firewall goes to
    /// <c>cat</c>: these tests run in this machine's own network namespace, whose rules must never change.
    /// </summary>
    public static string Config(TempRoot root, Uri imds, string extra = "") =>
        WriteConfig($"root: {root.Path}\nimds:\n  endpoint: {imds}\napt:\n  fix-mirrors: always\ncommands:\n  firewall-load: cat >/dev/null\n{extra}");

    public static string WriteConfig(string yaml)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("ipv6-agent-config-").FullName, "config.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    public static Dictionary<string, string> NoDocker => new() { ["DOCKER_HOST"] = "unix:///nonexistent/ipv6-agent-test.sock" };
}
