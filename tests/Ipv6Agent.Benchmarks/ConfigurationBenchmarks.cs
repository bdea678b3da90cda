using BenchmarkDotNet.Attributes;
using Ipv6Agent.Configuration;

namespace Ipv6Agent.Benchmarks;

/// <summary>
/// Reading config.yaml: a plain file (what people write; <see cref="SimpleYaml"/> reads it) and the same file with
/// quoted values (YamlDotNet reads it). Warm, both are microseconds; cold, YamlDotNet's first parse was ~10 ms of <c>status</c>.
/// </summary>
[MemoryDiagnoser]
public class ConfigurationBenchmarks
{
    private const string Plain = """
        # ipv6-agent on the blog host
        root: /
        imds:
          endpoint: auto
        interface: auto
        addressing: block
        apt:
          fix-mirrors: auto
        probe:
          image: busybox:stable
          targets: [2001:db8:47b:ca03::e, ipv6.example.com]
        reconcile:
          interval: 5m
        commands:
          netplan-apply: netplan apply
          docker-restart: systemctl restart docker
        """;

    private static readonly string Quoted = Plain.Replace("busybox:stable", "\"busybox:stable\"", StringComparison.Ordinal);

    private static readonly Dictionary<string, string?> Environment = new() { ["DOCKER_HOST"] = null };

    [Benchmark(Baseline = true)]
    public AgentOptions ParsePlain() => ConfigurationLoader.Parse(Plain, environment: Environment);

    [Benchmark]
    public AgentOptions ParseWithYamlDotNet() => ConfigurationLoader.Parse(Quoted, environment: Environment);

    [Benchmark]
    public AgentOptions ParseEmpty() => ConfigurationLoader.Parse("", environment: Environment);
}
