using Ipv6Agent.Testbed.Scenarios;
using Ipv6Agent.Testing.Imds;

namespace Ipv6Agent.Testbed;

/// <summary>
/// Hosts the fake IMDS for a scenario's instances; the testbed runs it inside the router
/// namespace on <c>http://[fd00:ec2::254]:80</c>, so an instance reaches it only over IPv6, and
/// the fake tells the instances apart by the caller's source address, as EC2 tells ENIs apart.
/// </summary>
internal static class ImdsHost
{
    public static FakeImdsOptions OptionsFor(Scenario scenario) => new()
    {
        Instances = [.. scenario.Instances.Select(i => new FakeInstance(i.Id, scenario.Region,
        [
            new FakeEni(i.Mac.ToString(), 0, i.EniId,
                [.. i.Ipv6s.Select(a => a.ToString())],
                [.. i.Ipv6Prefixes.Select(Addressing.Ipv6.Format)],
                [Addressing.Ipv6.Format(scenario.Subnet)]),
        ]))],
    };

    public static async Task<int> RunAsync(Scenario scenario, string url)
    {
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
        await using var server = await FakeImdsServer.StartAsync(OptionsFor(scenario), url);
        Console.WriteLine($"fake IMDS listening on {string.Join(", ", server.Endpoints)} for {string.Join(", ", scenario.Instances.Select(i => i.Name))}");
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }

        return 0;
    }
}
