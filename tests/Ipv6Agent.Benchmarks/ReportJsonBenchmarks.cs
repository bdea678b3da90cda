using BenchmarkDotNet.Attributes;
using Ipv6Agent.Reporting;

namespace Ipv6Agent.Benchmarks;

/// <summary>
/// Writing the status file and reading it back (<c>status</c>), both through the source-generated context: in the native
/// binary nothing is compiled at start, so the one serializer is also the fast one (see cli-latency.sh for the cold numbers).
/// </summary>
[MemoryDiagnoser]
public class ReportJsonBenchmarks
{
    private Report _report = null!;
    private string _json = null!;

    [GlobalSetup]
    public void Setup()
    {
        _report = new Report
        {
            Time = new DateTimeOffset(2026, 11, 27, 20, 0, 0, TimeSpan.Zero),
            Result = ReportResult.Ok,
            Instance = new InstanceReport("i-0123456789abcdef0", "us-east-1", "12:fb:b4:8b:15:f8", "ens5", "eni-0a1b2c3d4e5f67890"),
            Plan = new PlanReport("block", ["2001:db8:47b:ca03::1:1/64"], "fe80::1066:30ff:feb8:c008", "2001:db8:47b:ca03::8/126", "2001:db8:47b:ca03::9"),
            Changes =
            [
                new ChangeReport("/etc/netplan/60-ipv6-agent.yaml", ChangeAction.Unchanged),
                new ChangeReport("/etc/netplan/50-cloud-init.yaml", ChangeAction.Unchanged),
                new ChangeReport("/etc/cloud/cloud.cfg.d/99-ipv6-agent-network.cfg", ChangeAction.Unchanged),
                new ChangeReport("/etc/sysctl.d/60-ipv6-agent.conf", ChangeAction.Unchanged),
                new ChangeReport("/etc/apt/sources.list.d/ubuntu.sources", ChangeAction.Unchanged),
                new ChangeReport("/etc/docker/daemon.json", ChangeAction.Unchanged),
            ],
            Checks =
            [
                new CheckReport("docker-bridge", true, "docker0 has 2001:db8:47b:ca03::9/126"),
                new CheckReport("container-address", true, "2001:db8:47b:ca03::a"),
                new CheckReport("ping 2001:db8:47b:ca03::e", true, "3/3, 0.2 ms"),
            ],
        };
        _json = ReportJson.Serialize(_report);
    }

    [Benchmark]
    public string Serialize() => ReportJson.Serialize(_report);

    [Benchmark]
    public Report Deserialize() => ReportJson.Deserialize(_json);
}
