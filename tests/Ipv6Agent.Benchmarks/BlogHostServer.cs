using System.Runtime.InteropServices;
using Ipv6Agent.Configuration;
using Ipv6Agent.Inspecting;
using Ipv6Agent.Planning;
using Ipv6Agent.Rendering;
using Ipv6Agent.Testing.Imds;

namespace Ipv6Agent.Benchmarks;

/// <summary>
/// <c>Ipv6Agent.Benchmarks blog-host DIR</c>, for cli-latency.sh: the blog's instance-1 as a converged host under
/// <c>DIR/root</c> (files as the agent leaves them, so a dry run finds nothing to change), a fake IMDS on 127.0.0.1 for
/// it, and <c>DIR/config.yaml</c> pointing the agent at both. Prints <c>ready</c>, then serves until SIGTERM or SIGINT.
/// </summary>
internal static class BlogHostServer
{
    private static FakeInstance Instance1 => new("i-0123456789abcdef0", "us-east-1",
    [
        new FakeEni(Fixtures.Mac.ToString(), 0, "eni-0a1b2c3d4e5f67890",
            ["2001:db8:47b:ca03::8", "2001:db8:47b:ca03::9", "2001:db8:47b:ca03::a", "2001:db8:47b:ca03::b", "2001:db8:47b:ca03::1:1"],
            [], ["2001:db8:47b:ca03::/64"]),
    ]);

    public static async Task<int> RunAsync(string directory)
    {
        var root = Path.Combine(Path.GetFullPath(directory), "root");
        var options = new AgentOptions { Root = root, Apt = new AptOptions { FixMirrors = MirrorFixMode.Never } };
        foreach (var (path, text) in Fixtures.FreshFiles())
            Write(options, path, text);
        Write(options, "/sys/class/net/lo/address", "00:00:00:00:00:00\n");
        Write(options, "/sys/class/net/ens5/address", Fixtures.Mac + "\n");
        Write(options, "/proc/net/ipv6_route",
            "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe80000000000000106630fffeb8c008 00000400 00000001 00000000 00000003     ens5\n");
        Write(options, "/proc/net/route", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n");

        // Converge it the way the agent would (no Docker engine answers in the benchmark, so no engine version).
        var host = HostInspector.Read(options, dockerVersion: null);
        foreach (var edit in DesiredState.Build(Planner.Plan(Fixtures.Blog1, host, AddressingMode.Auto), host, new DesiredStateOptions(FixMirrors: false)))
        {
            if (edit.Desired is null) File.Delete(options.PathOf(edit.Path));
            else Write(options, edit.Path, edit.Desired);
        }

        await using var imds = await FakeImdsServer.StartAsync(FakeImdsOptions.For(Instance1));
        var config = Path.Combine(Path.GetFullPath(directory), "config.yaml");
        await File.WriteAllTextAsync(config, $"root: {root}\nimds:\n  endpoint: {imds.Endpoint}\napt:\n  fix-mirrors: never\ncommands:\n  firewall-load: cat >/dev/null\n");

        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
        Console.WriteLine($"config {config}");
        Console.WriteLine("ready");
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        return 0;
    }

    private static void Write(AgentOptions options, string hostPath, string text)
    {
        var full = options.PathOf(hostPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }
}
