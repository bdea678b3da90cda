using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Ipv6Agent.Testing;

namespace Ipv6Agent.Cli;

/// <summary>
/// The published agent's <c>run</c> as systemd starts the service: a real <c>NOTIFY_SOCKET</c> (a datagram socket in the
/// test's root) and no Docker engine. Collects every datagram as sent, stops the agent with SIGTERM by its pid, and
/// gives its journal (stderr).
/// </summary>
internal sealed class NotifiedRun : IAsyncDisposable
{
    private static readonly TimeSpan ReceiveWithin = TimeSpan.FromSeconds(60);

    private readonly Socket _socket;
    private readonly Process _agent;
    private readonly Task<string> _stderr;
    private readonly byte[] _buffer = new byte[65536];
    private readonly List<string> _datagrams = [];

    private NotifiedRun(Socket socket, Process agent)
    {
        _socket = socket;
        _agent = agent;
        _stderr = agent.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Every datagram received so far, byte for byte (UTF-8).</summary>
    public IReadOnlyList<string> Datagrams => _datagrams;

    /// <summary>The datagrams as systemd reads them: assignments separated by newlines (a CR ends a line too).</summary>
    public IReadOnlyList<string> Lines => [.. _datagrams.SelectMany(d => d.Split('\n', '\r')).Where(l => l.Length > 0)];

    public static async Task<NotifiedRun> StartAsync(TempRoot root, string config)
    {
        var socketPath = Path.Combine(root.Path, "notify.sock");
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(socketPath));
            var info = new ProcessStartInfo(await AgentBinary.PathAsync(), ["--config", config, "run"])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                Environment = { ["NOTIFY_SOCKET"] = socketPath, ["DOCKER_HOST"] = BlogHost.NoDocker["DOCKER_HOST"] },
            };
            return new NotifiedRun(socket, Process.Start(info)!);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Receives datagrams until <paramref name="done"/> holds; fails after a bounded time, saying what came.</summary>
    public async Task ReceiveUntilAsync(Func<bool> done)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(ReceiveWithin);
        while (!done())
        {
            int n;
            try
            {
                n = await _socket.ReceiveAsync(_buffer, SocketFlags.None, timeout.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new Xunit.Sdk.XunitException(
                    $"not done within {ReceiveWithin.TotalSeconds:0} s; sd_notify saw: {string.Join(" | ", _datagrams)}");
            }

            _datagrams.Add(Encoding.UTF8.GetString(_buffer, 0, n));
        }
    }

    /// <summary>SIGTERM, as <c>systemctl stop</c> sends; returns the journal (stderr) once the agent has exited.</summary>
    public async Task<string> StopAsync()
    {
        if (!_agent.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _agent.Id.ToString(CultureInfo.InvariantCulture)])!;
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
            try
            {
                await _agent.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                _agent.Kill(entireProcessTree: true);
                await _agent.WaitForExitAsync(TestContext.Current.CancellationToken);
            }
        }

        return await _stderr;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _agent.Dispose();
            _socket.Dispose();
        }
    }
}
