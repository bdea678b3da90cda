using BenchmarkDotNet.Attributes;
using Ipv6Agent.Configuration;
using Ipv6Agent.Inspecting;
using Ipv6Agent.Imds;
using Ipv6Agent.Planning;
using Ipv6Agent.Rendering;

namespace Ipv6Agent.Benchmarks;

/// <summary>The pure middle of a pass on a converged host: plan, then the desired files, every one of them unchanged.</summary>
public class ConvergedPassBenchmarks
{
    private ImdsSnapshot _imds = null!;
    private HostSnapshot _host = null!;
    private NetworkPlan _plan = null!;
    private readonly DesiredStateOptions _options = new(FixMirrors: false, new Version(27, 3, 1));

    [GlobalSetup]
    public void Setup()
    {
        _imds = Fixtures.Blog1;
        var fresh = Fixtures.Host(Fixtures.FreshFiles());
        var first = DesiredState.Build(Planner.Plan(_imds, fresh, AddressingMode.Auto), fresh, _options);
        _host = Fixtures.Host(Fixtures.Converged(fresh.Files, first));
        _plan = Planner.Plan(_imds, _host, AddressingMode.Auto);
        if (DesiredState.Build(_plan, _host, _options).FirstOrDefault(e => e.Changes) is { } changed)
            throw new InvalidOperationException($"the converged host is not converged: {changed.Path} would {changed.Action}");
    }

    [Benchmark]
    public NetworkPlan Plan() => Planner.Plan(_imds, _host, AddressingMode.Auto);

    [Benchmark]
    public IReadOnlyList<FileEdit> BuildDesiredState() => DesiredState.Build(_plan, _host, _options);
}
