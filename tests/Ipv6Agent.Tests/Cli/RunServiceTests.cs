using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Ipv6Agent.Testing;

namespace Ipv6Agent.Cli;

/// <summary>
/// <c>run</c> as a service manager sees it: sd_notify datagrams on a real NOTIFY_SOCKET, a pass per SIGHUP, a clean
/// exit on SIGTERM. (READY=1 itself is sent by the systemd lifetime only under systemd: the packaging boot test covers it.)
/// </summary>
public sealed class RunServiceTests
{
    [Fact]
    public async Task Run_NotifiesStatusPerPass_ReconcilesOnSighup_StopsOnSigterm()
    {
        using var root = new TempRoot();
        var socketPath = Path.Combine(root.Path, "notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));
        var config = BlogHost.WriteConfig($"root: {root.Path}\nimds:\n  endpoint: http://127.0.0.1:9\nreconcile:\n  interval: 1h\ncommands:\n  firewall-load: cat >/dev/null\n");
        var info = new ProcessStartInfo(await AgentBinary.PathAsync(), ["--config", config, "run"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            Environment = { ["NOTIFY_SOCKET"] = socketPath, ["WATCHDOG_USEC"] = "2000000" },
        };
        using var agent = Process.Start(info)!;
        var stderr = agent.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            var first = await ReceiveUntilAsync(notify, m => m.StartsWith("STATUS=failed: IMDS did not answer", StringComparison.Ordinal));
            Assert.Contains(first, m => m == "WATCHDOG=1");
            Assert.Contains("\"result\": \"failed\"", await File.ReadAllTextAsync(root.Full("/run/ipv6-agent/status.json"), TestContext.Current.CancellationToken));
            var firstTime = File.GetLastWriteTimeUtc(root.Full("/run/ipv6-agent/status.json"));

            Signal(agent.Id, "HUP");
            await ReceiveUntilAsync(notify, m => m.StartsWith("STATUS=failed:", StringComparison.Ordinal));
            Assert.True(File.GetLastWriteTimeUtc(root.Full("/run/ipv6-agent/status.json")) > firstTime, "SIGHUP must run a new pass");

            Signal(agent.Id, "TERM");
            await agent.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
            Assert.Equal(0, agent.ExitCode);
            Assert.Contains("<6>SIGHUP: reconciling now", await stderr);
        }
        finally
        {
            if (!agent.HasExited) agent.Kill(entireProcessTree: true);
        }
    }

    private static void Signal(int pid, string signal) => Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    /// <summary>Collects notify messages until one matches; fails after a bounded time.</summary>
    private static async Task<List<string>> ReceiveUntilAsync(Socket socket, Func<string, bool> done)
    {
        var seen = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[4096];
        while (true)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"no matching sd_notify message within 30 s; saw: {string.Join(" | ", seen)}");
            }
            var lines = Encoding.UTF8.GetString(buffer, 0, n).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            seen.AddRange(lines);
            if (lines.Any(done)) return seen;
        }
    }
}
