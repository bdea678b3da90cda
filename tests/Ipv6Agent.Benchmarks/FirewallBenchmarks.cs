using System.Diagnostics;
using System.Net;
using BenchmarkDotNet.Attributes;
using Ipv6Agent.Applying;
using Ipv6Agent.Firewall;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv6Agent.Benchmarks;

/// <summary>
/// One firewall rule update for 100 containers publishing 3 ports each (the bound: under 50 ms): rendering the
/// table, reading the kernel's rule set back, and the whole update as the agent does it, loaded with the real
/// <c>nft -f -</c> into a network namespace of the benchmark's own (root only; never this machine's rules).
/// </summary>
public class FirewallBenchmarks
{
    private static readonly IPNetwork Cidr = IPNetwork.Parse("2001:db8:47b:ca03:8000::/80");
    private static readonly ContainerPort[] Allow = [new(TransportProtocol.Tcp, 22)];

    private readonly string _namespace = $"bench-fw-{Environment.ProcessId}";
    private PublishedContainer[] _containers = null!;
    private PublishedContainer[] _oneMore = null!;
    private string _kernelJson = null!;
    private CommandRunner _runner = null!;
    private bool _flip;

    [GlobalSetup]
    public void Setup()
    {
        _containers = [.. Enumerable.Range(0, 100).Select(Container)];
        _oneMore = [.. _containers.Take(99), Container(100)];
        _runner = new CommandRunner(NullLogger<CommandRunner>.Instance, TimeProvider.System);
        Run("ip", "netns", "add", _namespace);
        RenderAndLoadWithNft().GetAwaiter().GetResult();
        _kernelJson = Run("ip", "netns", "exec", _namespace, "nft", "-j", "list", "ruleset");
    }

    [GlobalCleanup]
    public void Cleanup() => Run("ip", "netns", "delete", _namespace);

    [Benchmark]
    public string Render100Containers3Ports() => RulesetRenderer.Table(Cidr, _containers, Allow);

    [Benchmark]
    public int ParseKernelRuleset() => NftRuleset.Parse(_kernelJson).Sets.Count;

    /// <summary>One container replaced by another (a stop and a run): render, then the real nft transaction in the kernel.</summary>
    [Benchmark]
    public async Task<int> RenderAndLoadWithNft()
    {
        _flip = !_flip;
        var text = RulesetRenderer.Table(Cidr, _flip ? _oneMore : _containers, Allow);
        var result = await _runner.RunToCompletionAsync("firewall-load", $"ip netns exec {_namespace} nft -f -", TimeSpan.FromSeconds(30), text);
        return result.Succeeded ? result.ExitCode : throw new InvalidOperationException(result.Describe());
    }

    private static PublishedContainer Container(int index)
    {
        var bytes = Cidr.BaseAddress.GetAddressBytes();
        bytes[14] = (byte)((index + 2) >> 8);
        bytes[15] = (byte)(index + 2);
        return new PublishedContainer($"service-{index}", new IPAddress(bytes),
            [new(TransportProtocol.Tcp, 80), new(TransportProtocol.Tcp, 443), new(TransportProtocol.Udp, 53)]);
    }

    private static string Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {error}");
    }
}
