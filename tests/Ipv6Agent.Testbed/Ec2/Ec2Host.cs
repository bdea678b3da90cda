using System.Net;
using Ipv6Agent.Addressing;
using Ipv6Agent.Testbed.Network;
using Ipv6Agent.Testbed.Scenarios;
using Ipv6Agent.Testing.Ec2;
using Ipv6Agent.Testing.Imds;

namespace Ipv6Agent.Testbed.Ec2;

/// <summary>
/// The VPC's EC2 API for scenarios with <c>provision: prefix</c>: the fake EC2 (SigV4 checked against the IMDS's role
/// credentials) in the IMDS process, inside the router namespace, on <c>http://[fd00:ec2::ec2]:80</c>. A granted prefix
/// is routed to its instance and proxied on the other ports, as the VPC does for a delegated prefix, when IMDS lists it.
/// Faults come from the run folder's <c>ec2-fault</c> file (a <see cref="FakeEc2Fault"/> name), written by the tests;
/// every request is logged as <c>ec2: ACTION ENI STATUS [CODE]</c> on stdout (the run's imds.log).
/// </summary>
internal static class Ec2Host
{
    public const string FaultFile = "ec2-fault";
    public const string LogPrefix = "ec2: ";

    public static async Task<FakeEc2Server> StartAsync(Scenario scenario, FakeImdsServer imds, string runFolder)
    {
        var router = Path.GetFileName(runFolder) + "-vpc";
        var server = await FakeEc2Server.StartAsync(imds, $"http://[{VpcRouter.Ec2}]:80");
        server.FaultSource = () =>
            File.Exists(Path.Combine(runFolder, FaultFile)) && Enum.TryParse<FakeEc2Fault>(File.ReadAllText(Path.Combine(runFolder, FaultFile)).Trim(), out var f)
                ? f
                : FakeEc2Fault.None;
        server.Logged = r => Console.WriteLine($"{LogPrefix}{r.Action} {r.NetworkInterfaceId} {r.Status} {r.Code}".TrimEnd());
        server.OnGranted = (eni, prefix) => RouteAsync(scenario, router, eni, prefix);
        Console.WriteLine($"fake EC2 at {server.Endpoint}");
        return server;
    }

    /// <summary>What <see cref="VpcRouter.AttachAsync"/> and <see cref="VpcRouter.ProxyNeighboursAsync"/> do for a prefix known at start.</summary>
    private static async Task RouteAsync(Scenario scenario, string router, string eniId, IPNetwork prefix)
    {
        var index = scenario.Instances.ToList().FindIndex(i => i.EniId == eniId);
        if (index < 0) return;
        var port = $"p{index + 1}";
        await Cmd.IpAsync(router, "-6", "route", "add", Ipv6.Format(prefix), "via", Eui64.LinkLocal(scenario.Instances[index].Mac).ToString(), "dev", port);
        for (var other = 1; other <= scenario.Instances.Count; other++)
        {
            if (other == index + 1) continue;
            foreach (var a in VpcRouter.LikelyDockerAddresses(prefix))
                await Cmd.IpAsync(router, "-6", "neigh", "add", "proxy", a.ToString(), "dev", $"p{other}");
        }
        Console.WriteLine($"ec2: routed {Ipv6.Format(prefix)} to {eniId} on {port}");
    }
}
