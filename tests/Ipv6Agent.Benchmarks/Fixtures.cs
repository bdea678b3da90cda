using System.Net;
using Ipv6Agent.Addressing;
using Ipv6Agent.Inspecting;
using Ipv6Agent.Imds;
using Ipv6Agent.Rendering;

namespace Ipv6Agent.Benchmarks;

/// <summary>The blog's instance-1 (ENI ipv6s ::8 ::9 ::a ::b ::1:1 in a /64) and a host as EC2 and cloud-init leave it.</summary>
internal static class Fixtures
{
    public static readonly MacAddress Mac = MacAddress.Parse("12:fb:b4:8b:15:f8");

    public static string Text(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    public static ImdsSnapshot Blog1 => new("i-0123456789abcdef0", "us-east-1", Mac,
        new ImdsInterface(Mac, 0, "eni-0a1b2c3d4e5f67890",
            [.. new[] { "::8", "::9", "::a", "::b", "::1:1" }.Select(s => IPAddress.Parse("2001:db8:47b:ca03" + s))],
            [],
            [Ipv6.TryParseNetwork("2001:db8:47b:ca03::/64", out var subnet) ? subnet : throw new FormatException()]));

    /// <summary>Every file a pass reads on the blog host before the agent's first apply.</summary>
    public static Dictionary<string, string> FreshFiles() => new(StringComparer.Ordinal)
    {
        ["/etc/netplan/50-cloud-init.yaml"] = Text("netplan/50-cloud-init.modern.yaml"),
        ["/etc/cloud/cloud.cfg"] = "# cloud-init's main configuration\n",
        ["/etc/docker/daemon.json"] = Text("docker/daemon.commented.json"),
        ["/etc/apt/sources.list"] = Text("apt/sources.list"),
        ["/etc/apt/sources.list.d/ubuntu.sources"] = Text("apt/ubuntu.sources"),
        ["/etc/apt/sources.list.d/docker.list"] = "deb [arch=amd64] https://download.docker.com/linux/ubuntu jammy stable\n",
    };

    public static HostSnapshot Host(IReadOnlyDictionary<string, string> files) => new(
        [new KernelInterface("lo", null), new KernelInterface("ens5", Mac)],
        [new KernelRoute(new IPNetwork(IPAddress.IPv6Any, 0), IPAddress.Parse("fe80::1066:30ff:feb8:c008"), "ens5", 1024)],
        HasIpv4DefaultRoute: false,
        files,
        DockerVersion: new Version(27, 3, 1));

    /// <summary>The files after the applier wrote every edit of a first pass: what every later pass sees.</summary>
    public static Dictionary<string, string> Converged(IReadOnlyDictionary<string, string> files, IEnumerable<FileEdit> edits)
    {
        var result = new Dictionary<string, string>(files, StringComparer.Ordinal);
        foreach (var edit in edits)
        {
            if (edit.Desired is null) result.Remove(edit.Path);
            else result[edit.Path] = edit.Desired;
        }
        return result;
    }
}
