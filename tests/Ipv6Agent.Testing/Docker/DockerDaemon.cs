using System.Diagnostics;
using System.Globalization;
using Ipv6Agent.Engine;

namespace Ipv6Agent.Testing.Docker;

/// <summary>
/// A real dockerd (Debian's 20.10) inside a test network namespace, with its own config, data root, exec root, pid file and
/// socket, so several run side by side. 20.10 starts its own containerd under <c>--exec-root</c> when no system containerd
/// listens on /run/containerd. Started with <c>nsenter --net=</c> (never <c>ip netns exec</c>, which remounts /sys and hides
/// the cgroups) and never in the machine's own namespace, where it would rewrite the machine's iptables.
/// </summary>
public sealed class DockerDaemon : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    private readonly string _netnsName;
    private Process? _process;

    private DockerDaemon(string netnsName, string workDir)
    {
        _netnsName = netnsName;
        WorkDir = workDir;
    }

    public string WorkDir { get; }

    /// <summary><c>unix://{workDir}/docker.sock</c>.</summary>
    public Uri Endpoint => new($"unix://{Path.Join(WorkDir, "docker.sock")}");

    public string LogPath => Path.Join(WorkDir, "dockerd.log");

    public int Pid => _process?.Id ?? throw new InvalidOperationException("dockerd is not running");

    /// <summary>
    /// A directory to give the agent as its configured root to read this daemon's kernel view: its <c>proc</c> links to
    /// <c>/proc/{dockerd pid}</c>, whose <c>net/</c> shows the namespace dockerd runs in. Relinked on restart.
    /// </summary>
    public string KernelRoot => Path.Join(WorkDir, "kernel-root");

    /// <param name="daemonJson">The daemon.json text, e.g. <c>{"ipv6": true, "fixed-cidr-v6": "2001:db8:1::8/126", "storage-driver": "vfs"}</c>.</param>
    public static async Task<DockerDaemon> StartAsync(string netnsName, string workDir, string daemonJson, CancellationToken ct = default)
    {
        if (!File.Exists($"/run/netns/{netnsName}"))
            throw new InvalidOperationException($"network namespace {netnsName} does not exist: a test dockerd never runs in the machine's own");
        Directory.CreateDirectory(workDir);
        await File.WriteAllTextAsync(Path.Join(workDir, "daemon.json"), daemonJson, ct);
        var daemon = new DockerDaemon(netnsName, workDir);
        try
        {
            await daemon.LaunchAsync(ct);
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }

        return daemon;
    }

    public async Task RestartAsync(CancellationToken ct = default)
    {
        await StopAsync();
        await LaunchAsync(ct);
    }

    private async Task LaunchAsync(CancellationToken ct)
    {
        var dockerd = string.Join(' ', new[]
        {
            "exec", "nsenter", $"--net=/run/netns/{_netnsName}", "dockerd",
            "--config-file", Path.Join(WorkDir, "daemon.json"),
            "--data-root", Path.Join(WorkDir, "data"),
            "--exec-root", Path.Join(WorkDir, "exec"),
            "--pidfile", Path.Join(WorkDir, "docker.pid"),
            "-H", Endpoint.ToString(),
        }.Select(Quote));
        // sh execs nsenter, which execs dockerd: the process we hold is dockerd itself, and its output goes to a file.
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"{dockerd} >>{Quote(LogPath)} 2>&1");
        _process = Process.Start(info)!;
        _process.StandardInput.Close();

        var deadline = Stopwatch.StartNew();
        string last = "no answer yet";
        while (deadline.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"dockerd exited with {_process.ExitCode} while starting: {Tail()}");
            try
            {
                using var session = await DockerConnection.ConnectAsync(Endpoint, TimeSpan.FromSeconds(2), ct);
                await session.Client.System.PingAsync(ct);
                RelinkKernelRoot();
                return;
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is not OutOfMemoryException)
            {
                last = e.Message;
            }

            await Task.Delay(200, ct);
        }

        throw new TimeoutException($"dockerd did not answer on {Endpoint} within {StartTimeout.TotalSeconds:0} s ({last}): {Tail()}");
    }

    private void RelinkKernelRoot()
    {
        Directory.CreateDirectory(KernelRoot);
        var link = Path.Join(KernelRoot, "proc");
        if (File.Exists(link) || Directory.Exists(link)) File.Delete(link);
        File.CreateSymbolicLink(link, $"/proc/{Pid}");
    }

    /// <summary>TERM, then KILL after <see cref="StopTimeout"/>; then whatever it left under the work dir (containerd, shims).</summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            if (!process.HasExited)
            {
                _ = await Sh.RunAsync(["kill", "-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
                using var wait = new CancellationTokenSource(StopTimeout);
                try
                {
                    await process.WaitForExitAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill();
                    await process.WaitForExitAsync();
                }
            }

            process.Dispose();
        }

        KillLeftovers();
    }

    /// <summary>Processes whose command line names this daemon's work dir: its containerd and shims if dockerd died hard.</summary>
    private void KillLeftovers()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                var cmdline = File.ReadAllText(Path.Join(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(WorkDir + "/", StringComparison.Ordinal)) Process.GetProcessById(pid).Kill();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException
                                          or System.ComponentModel.Win32Exception)
            {
                // Gone meanwhile.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        // dockerd leaves netns bind mounts under exec-root if killed; unmount deepest first before deleting.
        var mounts = File.ReadAllLines("/proc/self/mountinfo")
            .Select(l => l.Split(' ')[4])
            .Where(m => m.StartsWith(WorkDir + "/", StringComparison.Ordinal))
            .OrderByDescending(m => m.Length);
        foreach (var mount in mounts) await Sh.RunAsync(["umount", "-l", mount]);
        await Sh.RunAsync(["rm", "-rf", "--one-file-system", WorkDir]);
    }

    private string Tail()
    {
        try
        {
            return string.Join('\n', File.ReadLines(LogPath).TakeLast(15));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
