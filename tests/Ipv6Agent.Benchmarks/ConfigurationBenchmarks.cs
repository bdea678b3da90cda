using BenchmarkDotNet.Attributes;
using Ipv6Agent.Configuration;

namespace Ipv6Agent.Benchmarks;

/// <summary>
/// Reading config.yaml with YamlDotNet: a plain file (what people write), the same file with quoted values, an empty one.
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
    public AgentOptions ParseQuoted() => ConfigurationLoader.Parse(Quoted, environment: Environment);

    [Benchmark]
    public AgentOptions ParseEmpty() => ConfigurationLoader.Parse("", environment: Environment);
}
