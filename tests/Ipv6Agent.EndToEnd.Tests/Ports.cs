using System.Diagnostics;
using System.Globalization;
using System.Net;
using Ipv6Agent.Testbed.Instances;
using Ipv6Agent.Testbed.Network;

namespace Ipv6Agent.EndToEnd;

/// <summary>
/// TCP and UDP servers inside a container's network namespace that answer with the address a packet came from
/// (<c>scripts/peer</c>), and their clients on the internet host or in another container: what proves a port is open on
/// a container's own address and that the server sees the client's real address.
/// </summary>
internal sealed class Ports : IAsyncDisposable
{
    private readonly List<Process> _servers = [];

    private static string Peer => Path.Combine(AppContext.BaseDirectory, "scripts", "peer");

    public static async Task<int> PidAsync(Instance instance, string container) =>
        int.Parse((await instance.DockerAsync("inspect", "-f", "{{.State.Pid}}", container)).Check().StdOut.Trim(), CultureInfo.InvariantCulture);

    /// <summary>The container's address on docker0 (the public one).</summary>
    public static async Task<IPAddress> AddressAsync(Instance instance, string container) =>
        IPAddress.Parse((await instance.DockerAsync("inspect", "-f", "{{.NetworkSettings.Networks.bridge.GlobalIPv6Address}}", container)).Check().StdOut.Trim());

    /// <summary>Starts a server on <paramref name="proto"/>/<paramref name="port"/> in the container; returns once it listens.</summary>
    public async Task ServeAsync(Instance instance, string container, string proto, int port)
    {
        var pid = await PidAsync(instance, container);
        // The pid file under the instance's folder: the testbed's sweeper kills it even if this test dies first.
        var pidFile = Path.Combine(instance.Folder, "pids", $"peer-{container}-{proto}-{port}.pid");
        var info = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { $"--net=/proc/{pid}/ns/net", Peer, "serve", proto, port.ToString(CultureInfo.InvariantCulture), pidFile })
            info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        _servers.Add(process);
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        if (line != "listening")
            Assert.Fail($"peer server {proto}/{port} in {container}: {line} {await process.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(5))}");
    }

    /// <summary>Asks from the internet host; the answer is the address the server saw, <c>null</c> when none came.</summary>
    public static async Task<string?> AskFromInternetAsync(Testbed.Testbed bed, IPAddress address, string proto, int port, double seconds = 2)
    {
        var r = await Cmd.RunAsync("ip", ["netns", "exec", bed.Router.InternetNamespace, Peer, "ask", proto, address.ToString(),
            port.ToString(CultureInfo.InvariantCulture), seconds.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(seconds + 10));
        return r.Ok ? r.StdOut.Trim() : null;
    }

    /// <summary>Asks from inside a container (its network namespace), e.g. on another instance.</summary>
    public static async Task<string?> AskFromContainerAsync(Instance instance, string container, IPAddress address, string proto, int port, double seconds = 2)
    {
        var pid = await PidAsync(instance, container);
        var r = await Cmd.RunAsync("nsenter", [$"--net=/proc/{pid}/ns/net", Peer, "ask", proto, address.ToString(),
            port.ToString(CultureInfo.InvariantCulture), seconds.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(seconds + 10));
        return r.Ok ? r.StdOut.Trim() : null;
    }

    /// <summary>Polls until the internet host gets an answer; the time it took, or <c>null</c> past <paramref name="within"/>.</summary>
    public static async Task<TimeSpan?> TimeUntilOpenAsync(Testbed.Testbed bed, IPAddress address, string proto, int port, TimeSpan within, Stopwatch since)
    {
        while (since.Elapsed < within)
        {
            if (await AskFromInternetAsync(bed, address, proto, port, 0.3) is not null) return since.Elapsed;
            await Task.Delay(20);
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            try
            {
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
            }
            server.Dispose();
        }
    }
}
