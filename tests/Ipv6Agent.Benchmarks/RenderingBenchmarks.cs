using System.Net;
using BenchmarkDotNet.Attributes;
using Ipv6Agent.Rendering.Docker;
using Ipv6Agent.Rendering.Netplan;

namespace Ipv6Agent.Benchmarks;

/// <summary>The two renderers that edit files the agent does not own, on realistic files (cloud-init's netplan, a commented daemon.json).</summary>
public class RenderingBenchmarks
{
    private static readonly IPNetwork DockerCidr = IPNetwork.Parse("2001:db8:47b:ca03::8/126");
    private static readonly Version Docker = new(27, 3, 1);
    private string _cloudInit = null!;
    private string _daemonJson = null!;
    private string _convergedDaemonJson = null!;

    [GlobalSetup]
    public void Setup()
    {
        _cloudInit = Fixtures.Text("netplan/50-cloud-init.modern-host-address-listed.yaml");
        _daemonJson = Fixtures.Text("docker/daemon.commented.json");
        _convergedDaemonJson = DaemonJsonRenderer.Merge(_daemonJson, DockerCidr, Docker);
    }

    [Benchmark]
    public string CleanCloudInitNetplan() => NetplanCleaner.RemoveAddressesIn(_cloudInit, DockerCidr, "/etc/netplan/50-cloud-init.yaml");

    [Benchmark]
    public string MergeDaemonJson() => DaemonJsonRenderer.Merge(_daemonJson, DockerCidr, Docker);

    [Benchmark]
    public string MergeConvergedDaemonJson() => DaemonJsonRenderer.Merge(_convergedDaemonJson, DockerCidr, Docker);
}
