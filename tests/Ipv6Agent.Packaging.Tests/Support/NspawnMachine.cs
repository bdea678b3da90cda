using System.Diagnostics;

namespace Ipv6Agent.Packaging.Support;

/// <summary>
/// A Debian rootfs booted with systemd as PID 1 under systemd-nspawn, on a private network,
/// not registered with machined. Commands run inside through nsenter on the container's init.
/// </summary>
internal sealed class NspawnMachine : IAsyncDisposable
{
    private readonly Process _nspawn;
    private int _disposed;

    private NspawnMachine(string name, string rootfs, string consoleLog, Process nspawn, int leaderPid)
    {
        Name = name;
        Rootfs = rootfs;
        ConsoleLog = consoleLog;
        _nspawn = nspawn;
        LeaderPid = leaderPid;
    }

    public string Name { get; }

    /// <summary>The container's root on the host: files put here are seen inside.</summary>
    public string Rootfs { get; }

    public string ConsoleLog { get; }

    /// <summary>The container's PID 1 (systemd) as the host sees it.</summary>
    public int LeaderPid { get; }

    public TimeSpan BootTime { get; private set; }

    /// <summary>Boots <paramref name="rootfs"/> and waits until systemd says the system is up.</summary>
    /// <param name="writableSysfs">
    /// nspawn mounts /sys read-only, where `udevadm trigger` (run by `netplan apply`) cannot write
    /// uevents; with a private network the container's /sys/class/net holds its own links only.
    /// </param>
    public static async Task<NspawnMachine> BootAsync(string name, string rootfs, string consoleLog, TimeSpan timeout, bool writableSysfs = false)
    {
        var watch = Stopwatch.StartNew();
        var log = File.Open(consoleLog, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
        var info = new ProcessStartInfo("systemd-nspawn")
        {
            ArgumentList =
            {
                "-D", rootfs, "-M", name, "--boot",
                "--private-network", "--register=no", "--keep-unit", "--console=read-only",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (writableSysfs)
        {
            info.Environment["SYSTEMD_NSPAWN_API_VFS_WRITABLE"] = "1";
        }

        var nspawn = Process.Start(info) ?? throw new InvalidOperationException("systemd-nspawn did not start");
        // If the runner exits without disposing (a crash, a cancelled run), power the container off.
        EventHandler onExit = (_, _) =>
        {
            try
            {
                if (!nspawn.HasExited)
                {
                    Kill(nspawn.Id, 15);
                    nspawn.WaitForExit(15_000);
                }
            }
            catch (InvalidOperationException)
            {
                // Disposed: it was stopped already.
            }
        };
        AppDomain.CurrentDomain.ProcessExit += onExit;
        _ = nspawn.StandardOutput.BaseStream.CopyToAsync(log);
        _ = nspawn.StandardError.BaseStream.CopyToAsync(log);

        int leader = 0;
        try
        {
            var deadline = DateTime.UtcNow + timeout;
            while (leader == 0)
            {
                if (nspawn.HasExited)
                {
                    throw new InvalidOperationException($"systemd-nspawn exited {nspawn.ExitCode}: {await TailAsync(consoleLog)}");
                }

                leader = ChildOf(nspawn.Id);
                if (leader == 0)
                {
                    await Task.Delay(50);
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"no container init under nspawn pid {nspawn.Id}");
                }
            }

            var machine = new NspawnMachine(name, rootfs, consoleLog, nspawn, leader);
            ProcessResult running;
            do
            {
                // Until systemd has opened its private socket, systemctl cannot connect at all: it prints nothing, or
                // "offline" and gives up at once even with --wait. Both mean "not yet" (seen on a loaded machine).
                var left = deadline - DateTime.UtcNow;
                running = await machine.ExecAsync(left > TimeSpan.Zero ? left : TimeSpan.FromSeconds(1), "systemctl", "is-system-running", "--wait");
                if (NotYet(running))
                {
                    await Task.Delay(100);
                }
            }
            while (NotYet(running) && DateTime.UtcNow < deadline);

            if (running.Stdout.Trim() is not ("running" or "degraded"))
            {
                throw new InvalidOperationException($"the container did not boot: {running.Describe("systemctl is-system-running")}\n{await TailAsync(consoleLog)}");
            }

            machine.BootTime = watch.Elapsed;
            return machine;
        }
        catch
        {
            await StopAsync(nspawn);
            throw;
        }
    }

    /// <summary>Runs a command inside every namespace of the container.</summary>
    public Task<ProcessResult> ExecAsync(TimeSpan timeout, params string[] command) =>
        ProcessRun.RunAsync("nsenter", ["-t", LeaderPid.ToString(System.Globalization.CultureInfo.InvariantCulture), "-a", "--", .. command], timeout);

    public Task<ProcessResult> ExecAsync(params string[] command) => ExecAsync(TimeSpan.FromSeconds(60), command);

    /// <summary>A shell command inside the container.</summary>
    public Task<ProcessResult> ShAsync(string script, TimeSpan? timeout = null) =>
        ExecAsync(timeout ?? TimeSpan.FromSeconds(60), "/bin/sh", "-c", script);

    /// <summary>A host path for <paramref name="containerPath"/>.</summary>
    public string HostPath(string containerPath) => Path.Combine(Rootfs, containerPath.TrimStart('/'));

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await StopAsync(_nspawn);
        }
    }

    private static async Task StopAsync(Process nspawn)
    {
        if (!nspawn.HasExited)
        {
            // SIGTERM makes nspawn power the container off; SIGKILL if it does not within 15 s.
            Kill(nspawn.Id, 15);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await nspawn.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                nspawn.Kill(entireProcessTree: true);
                await nspawn.WaitForExitAsync(CancellationToken.None);
            }
        }

        nspawn.Dispose();
    }

    private static void Kill(int pid, int signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>nspawn is a subreaper: the container's init ends up as its only child.</summary>
    private static int ChildOf(int pid)
    {
        var path = $"/proc/{pid}/task/{pid}/children";
        if (!File.Exists(path))
        {
            return 0;
        }

        foreach (var child in File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var childPid = int.Parse(child, System.Globalization.CultureInfo.InvariantCulture);
            var comm = $"/proc/{childPid}/comm";
            if (File.Exists(comm) && File.ReadAllText(comm).Trim() == "systemd")
            {
                return childPid;
            }
        }

        return 0;
    }

    private static async Task<string> TailAsync(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = (await reader.ReadToEndAsync()).Split('\n');
        return string.Join('\n', lines.TakeLast(30));
    }

    private static bool NotYet(ProcessResult running) => running.Stdout.Trim() is "" or "offline";
}
