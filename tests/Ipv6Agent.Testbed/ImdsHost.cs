using Ipv6Agent.Testbed.Network;
using Ipv6Agent.Testbed.Scenarios;
using Ipv6Agent.Testing.Http;
using Ipv6Agent.Testing.Imds;

namespace Ipv6Agent.Testbed;

/// <summary>
/// Hosts the fake IMDS for a scenario's instances; the testbed runs it inside the router
/// namespace on <c>http://[fd00:ec2::254]:80</c>, so an instance reaches it only over IPv6, and
/// the fake tells the instances apart by the caller's source address, as EC2 tells ENIs apart.
/// </summary>
internal static class ImdsHost
{
    /// <param name="userData">The folder with one user-data file per instance name (booted instances), or null.</param>
    public static FakeImdsOptions OptionsFor(Scenario scenario, string? userData = null) => new()
    {
        // cloud-init asks IMDSv1 on a platform it cannot identify as AWS, as booted instances are.
        TokensOptional = userData is not null,
        Instances = [.. scenario.Instances.Select(i => new FakeInstance(i.Id, scenario.Region,
        [
            new FakeEni(i.Mac.ToString(), 0, i.EniId,
                [.. i.Ipv6s.Select(a => a.ToString())],
                [.. i.Ipv6Prefixes.Select(Addressing.Ipv6.Format)],
                [Addressing.Ipv6.Format(scenario.Subnet)]),
        ])
        {
            UserData = userData is not null && File.Exists(Path.Combine(userData, i.Name)) ? File.ReadAllText(Path.Combine(userData, i.Name)) : null,
            Role = scenario.Provision is null ? null : FakeRole.Random("ipv6-agent-" + i.Name),
        })],
    };

    /// <param name="booted">
    /// For booted instances: a folder with <c>user-data/NAME</c> (served by the IMDS) and
    /// <c>releases/</c> (served at <c>http://[fd00:ec2::80]/</c>); the router also sends RAs and
    /// answers DHCPv6, which the machines' networkd asks for. Null for namespace instances.
    /// </param>
    public static async Task<int> RunAsync(Scenario scenario, string url, string? booted = null, string? runFolder = null)
    {
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
        await using var server = await FakeImdsServer.StartAsync(OptionsFor(scenario, booted is null ? null : Path.Combine(booted, "user-data")), url);
        await using var links = booted is null ? null : LinkServices.Start(scenario, Console.WriteLine);
        await using var releases = booted is null ? null : await ReleaseServer.StartAsync(Path.Combine(booted, "releases"), $"http://[{VpcRouter.Releases}]:80");
        await using var ec2 = scenario.Provision is null || runFolder is null ? null : await Ec2.Ec2Host.StartAsync(scenario, server, runFolder);
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

/// <summary>A plain HTTP file server inside the VPC: where the user data downloads the release tarball from.</summary>
internal static class ReleaseServer
{
    public static Task<LocalHttpServer> StartAsync(string folder, string url) =>
        LocalHttpServer.StartAsync(async (context, ct) =>
        {
            var name = Path.GetFileName(context.Request.Path.Value ?? "");
            var file = Path.Combine(folder, name);
            Console.WriteLine($"release server: GET {context.Request.Path} from {context.Connection.RemoteIpAddress}");
            if (name.Length == 0 || !File.Exists(file))
            {
                context.Response.StatusCode = 404;
                return;
            }

            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = new FileInfo(file).Length;
            await using var stream = File.OpenRead(file);
            await stream.CopyToAsync(context.Response.Body, ct);
        }, url);
}
