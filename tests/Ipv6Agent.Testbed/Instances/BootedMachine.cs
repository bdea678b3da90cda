using System.Diagnostics;
using System.Globalization;
using System.Net;
using Ipv6Agent.Addressing;
using Ipv6Agent.Testbed.Network;
using Ipv6Agent.Testbed.Scenarios;

namespace Ipv6Agent.Testbed.Instances;

/// <summary>The Debian generations a booted instance can run (see README: "Booted instances").</summary>
internal enum Stack
{
    /// <summary>Debian 12: systemd 252, netplan 0.106, Docker 20.10, cloud-init 22.4.</summary>
    Bookworm,

    /// <summary>Debian 13: systemd 257, netplan 1.1, Docker 26.1, cloud-init 25.1.</summary>
    Trixie,

    /// <summary>Debian sid: systemd 262, netplan 1.2, Docker 28.5, cloud-init 26.</summary>
    Sid,
}

/// <summary>
/// An EC2 instance as a booted OS: a cached Debian rootfs (scripts/booted-rootfs.sh) under a
/// per-machine overlay, booted by <c>systemd-nspawn --boot</c> inside the instance's network
/// namespace, so its own systemd, udev, networkd, cloud-init and Docker run on the <c>ens5</c>
/// the VPC router serves. Everything the test asks runs inside through <c>nsenter</c> on the
/// machine's PID 1. Stopping and booting it again is a reboot: the overlay keeps its disk.
/// </summary>
internal sealed class BootedMachine : IAsyncDisposable
{
    // The boot ends with cloud-final, whose runcmd installs the agent and waits for its first pass.
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(12);
    private Process? _nspawn;
    private MachineCgroup? _cgroup;
    private int _boots;

    public BootedMachine(InstanceSpec spec, Stack stack, string ns, string folder, string rootfs)
    {
        Spec = spec;
        Stack = stack;
        Namespace = ns;
        Folder = folder;
        Lower = rootfs;
    }

    public InstanceSpec Spec { get; }

    public string Name => Spec.Name;

    /// <summary>nspawn's machine name and the machine's cgroup: the run's id and the instance (<c>tb-ID-instance-1</c>).</summary>
    public string MachineName => $"{Path.GetFileName(Path.GetDirectoryName(Folder))}-{Name}";

    public Stack Stack { get; }

    public string Namespace { get; }

    public string Folder { get; }

    /// <summary>The cached rootfs, never written.</summary>
    public string Lower { get; }

    /// <summary>The machine's <c>/</c> as the host sees it (the overlay).</summary>
    public string Root => Path.Combine(Folder, "machine");

    public string ConsoleLog => Path.Combine(Folder, "console.log");

    /// <summary>The machine's systemd (PID 1 inside) as this host sees it; 0 when stopped.</summary>
    public int Leader { get; private set; }

    public TimeSpan LastBootTime { get; private set; }

    public string HostPath(string machinePath) => Path.Combine(Root, machinePath.TrimStart('/'));

    /// <summary>Mounts the overlay and lays down what the AMI and the testbed add to the cached tree.</summary>
    public async Task PrepareAsync(IReadOnlyDictionary<string, string> files)
    {
        foreach (var d in new[] { "upper", "work", "machine" })
        {
            Directory.CreateDirectory(Path.Combine(Folder, d));
        }

        await Cmd.CheckAsync("mount", "-t", "overlay", "overlay", "-o",
            $"lowerdir={Lower},upperdir={Path.Combine(Folder, "upper")},workdir={Path.Combine(Folder, "work")}", Root);

        Write("/etc/hostname", Name + "\n");
        Write("/etc/machine-id", Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)) + "\n");
        // No resolver in the VPC: the IMDS address refuses port 53 at once (apt-get update from the
        // user data fails fast instead of waiting on timeouts).
        File.Delete(HostPath("/etc/resolv.conf"));
        Write("/etc/resolv.conf", $"nameserver {VpcRouter.Imds}\n");
        Write("/etc/cloud/cloud.cfg.d/05-testbed-ec2.cfg", $"""
            # The testbed's EC2: the Ec2 datasource only, against the VPC's IMDS, on a platform
            # that does not identify as AWS (no DMI), and netplan as the network renderer.
            datasource_list: [Ec2]
            datasource:
              Ec2:
                metadata_urls: ["http://[{VpcRouter.Imds}]"]
                strict_id: false
                timeout: 5
                max_wait: 120
            system_info:
              network:
                renderers: [netplan]
                activators: [netplan]
            """);
        foreach (var (path, text) in files)
        {
            Write(path, text.Replace("{mac}", Spec.Mac.ToString(), StringComparison.Ordinal));
        }

        // Debian's cloud images enable networkd; a minbase tree does not, and netplan 1.2 enables it
        // at runtime from netplan-configure.service, after the boot transaction was built, so
        // nothing would start it in the first boot.
        Symlink("/lib/systemd/system/systemd-networkd.service", "/etc/systemd/system/multi-user.target.wants/systemd-networkd.service");
        Symlink("/lib/systemd/system/systemd-networkd.socket", "/etc/systemd/system/sockets.target.wants/systemd-networkd.socket");
        Symlink("/lib/systemd/system/systemd-networkd-wait-online.service", "/etc/systemd/system/network-online.target.wants/systemd-networkd-wait-online.service");

        // netplan renders cloud-init's `match: macaddress` as PermanentMACAddress=, which EC2's ENA
        // NIC has and a veth never has (the kernel keeps no permanent address for it), so networkd
        // would leave ens5 unmanaged. A drop-in for the file netplan generates for the ENI (its
        // netplan ID is ens5, cloud-init's set-name) matches the current MAC instead; an empty
        // assignment resets the list. Only the match changes: everything else is netplan's output.
        Write("/etc/systemd/network/10-netplan-ens5.network.d/10-testbed-veth.conf", $"""
            # testbed: a veth has no permanent MAC address (EC2's ENA has one)
            [Match]
            PermanentMACAddress=
            MACAddress={Spec.Mac}
            """);

        // The probe image, as an AMI would have it pre-pulled: no registry is reachable in the VPC.
        Write("/usr/local/sbin/testbed-probe-image", """
            #!/bin/sh
            # Imports busybox:stable (the agent's default probe image) from the static busybox.
            set -eu
            # The engine may still be coming up (socket activation): wait for it, up to a minute.
            for i in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
            docker image inspect busybox:stable >/dev/null 2>&1 && exit 0
            dir=$(mktemp -d)
            mkdir "$dir/bin"
            cp /bin/busybox "$dir/bin/busybox"
            for l in sh ping ping6 ip sleep; do ln -s busybox "$dir/bin/$l"; done
            tar -C "$dir" -c . | docker import - busybox:stable >/dev/null
            rm -rf "$dir"
            """, executable: true);
        Write("/etc/systemd/system/testbed-probe-image.service", """
            [Unit]
            Description=testbed: the probe image, as an AMI would have it pre-pulled
            After=docker.service
            Requires=docker.service
            Before=cloud-final.service ipv6-agent.service

            [Service]
            Type=oneshot
            RemainAfterExit=yes
            ExecStart=/usr/local/sbin/testbed-probe-image

            [Install]
            WantedBy=multi-user.target
            """);
        // Docker's restart by the agent restarts this unit too (Requires=); the image stays.
        Symlink("/etc/systemd/system/testbed-probe-image.service", "/etc/systemd/system/multi-user.target.wants/testbed-probe-image.service");

        // The firewall checks' TCP/UDP server and client (perl-base is in every Debian tree), run inside a
        // container's network namespace from inside the machine.
        Write(PeerPath, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "scripts", "peer")), executable: true);

        if (Stack == Stack.Bookworm)
        {
            // systemd 252 boots on this host's cgroup v1 with every controller hierarchy mounted read-only
            // (the mount, not the superblock: /proc/self/mountinfo says "ro" per mount, "rw" per super
            // block), so runc cannot create Docker 20.10's container cgroups ("mkdir
            // /sys/fs/cgroup/cpuset/docker/…: read-only file system"). A bind remount flips the mount's
            // flag only; mounting the hierarchy again fails ("already mounted", "mount point is busy").
            Write("/usr/local/sbin/testbed-cgroup-v1", """
                #!/bin/sh
                # Makes the cgroup v1 controllers Docker needs writable (nspawn mounts them read-only on a v1 host).
                set -eu
                for c in blkio cpu cpuacct cpuset devices freezer memory pids; do
                  if mountpoint -q /sys/fs/cgroup/$c; then
                    mount -o remount,bind,rw /sys/fs/cgroup/$c
                  else
                    mkdir -p /sys/fs/cgroup/$c
                    mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c
                  fi
                done
                """, executable: true);
            Write("/etc/systemd/system/docker.service.d/10-testbed-cgroup-v1.conf", """
                [Service]
                ExecStartPre=/usr/local/sbin/testbed-cgroup-v1
                """);
        }
    }

    private void Write(string machinePath, string text, bool executable = false)
    {
        var full = HostPath(machinePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text.EndsWith('\n') ? text : text + "\n");
        if (executable) File.SetUnixFileMode(full, (UnixFileMode)0b111_101_101);
    }

    private void Symlink(string target, string machinePath)
    {
        var full = HostPath(machinePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        if (!File.Exists(full)) File.CreateSymbolicLink(full, target);
    }

    /// <summary>Boots the machine and waits until systemd reports the boot finished (running or degraded).</summary>
    public async Task BootAsync()
    {
        if (_nspawn is not null) throw new TestbedException($"{Name} is already running");
        var watch = Stopwatch.StartNew();
        _boots++;
        // nspawn runs inside the instance's namespace (nsenter execs it: same pid) and shares it with
        // the machine. Not --network-namespace-path: with it nspawn mounts the machine's /sys from
        // the host's network namespace, so /sys/class/net lists the host's interfaces, not ens5, and
        // cloud-init and udev see the wrong links.
        // Each machine in a cgroup of its own (see MachineCgroup: in a shared one the pair's systemds stopped each other's
        // units and bookworm's boot hung). A shell joins it and execs nsenter, which execs nspawn: one pid throughout.
        _cgroup = MachineCgroup.Create(MachineName);
        var info = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
                 {
                     "-c", _cgroup.JoinThenExecScript, "sh", "nsenter",
                     $"--net=/run/netns/{Namespace}", "systemd-nspawn",
                     "-D", Root, "-M", MachineName, "--boot",
                     "--register=no", "--keep-unit", "--console=read-only",
                     "--capability=all", "--system-call-filter=add_key keyctl bpf",
                     "--resolv-conf=off", "--timezone=off", "--link-journal=no",
                 })
        {
            info.ArgumentList.Add(a);
        }

        // netplan apply triggers udev by writing /sys/class/net/*/uevent.
        info.Environment["SYSTEMD_NSPAWN_API_VFS_WRITABLE"] = "1";
        // systemd 257+ refuses cgroup v1, which this host runs: give those machines the unified hierarchy.
        if (Stack != Stack.Bookworm) info.Environment["SYSTEMD_NSPAWN_UNIFIED_HIERARCHY"] = "1";

        var log = new FileStream(ConsoleLog, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        var header = System.Text.Encoding.UTF8.GetBytes($"\n===== boot {_boots} at {DateTime.UtcNow:O}\n");
        await log.WriteAsync(header);
        var nspawn = Process.Start(info) ?? throw new TestbedException("systemd-nspawn did not start");
        _nspawn = nspawn;
        await File.WriteAllTextAsync(Path.Combine(Folder, "nspawn.pid"), nspawn.Id.ToString(CultureInfo.InvariantCulture));
        nspawn.StandardInput.Close();
        _ = Task.WhenAll(nspawn.StandardOutput.BaseStream.CopyToAsync(log), nspawn.StandardError.BaseStream.CopyToAsync(log))
            .ContinueWith(_ => log.Dispose(), TaskScheduler.Default);

        var deadline = DateTime.UtcNow + BootTimeout;
        while ((Leader = ChildSystemd(nspawn.Id)) == 0)
        {
            if (nspawn.HasExited) throw new TestbedException($"{Name}: systemd-nspawn exited {nspawn.ExitCode}: {Tail()}");
            if (DateTime.UtcNow > deadline) throw new TestbedException($"{Name}: no systemd under nspawn pid {nspawn.Id}");
            await Task.Delay(50);
        }

        string state;
        do
        {
            var left = deadline - DateTime.UtcNow;
            CmdResult r;
            try
            {
                r = await ExecAsync(left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), "systemctl", "is-system-running", "--wait");
            }
            catch (TestbedException e)
            {
                // A boot that never ends (seen on bookworm): say which jobs it still waits for, not only that it waited.
                throw new TestbedException($"{Name} did not finish booting: {e.Message}\n{await BootDiagnosticsAsync()}");
            }
            state = r.StdOut.Trim();
            if (state is "" or "offline") await Task.Delay(200);
        }
        while (state is "" or "offline" && DateTime.UtcNow < deadline && !nspawn.HasExited);

        if (state is not ("running" or "degraded"))
        {
            throw new TestbedException($"{Name} did not boot: systemctl is-system-running says '{state}'\n{Tail()}");
        }

        LastBootTime = watch.Elapsed;
    }

    /// <summary>The jobs systemd still runs and the journal's end, for a boot that did not finish (best effort).</summary>
    private async Task<string> BootDiagnosticsAsync()
    {
        var parts = new List<string>();
        foreach (var command in new[] { new[] { "systemctl", "list-jobs", "--no-pager" }, ["journalctl", "-b", "--no-pager", "-n", "80"] })
        {
            try
            {
                var r = await ExecAsync(TimeSpan.FromSeconds(20), command);
                parts.Add($"$ {string.Join(' ', command)}\n{r.StdOut.Trim()}");
            }
            catch (TestbedException e)
            {
                parts.Add($"$ {string.Join(' ', command)}: {e.Message}");
            }
        }
        parts.Add(Tail());
        return string.Join("\n", parts);
    }

    /// <summary>Waits for cloud-init's last stage (the user data's runcmd) to end; returns its status output.</summary>
    public async Task<CmdResult> CloudInitDoneAsync(TimeSpan timeout) =>
        await ExecAsync(timeout, "cloud-init", "status", "--wait", "--long");

    /// <summary>Powers the machine off (SIGTERM to nspawn: systemd shuts down), as <c>reboot</c>'s first half.</summary>
    public async Task StopAsync()
    {
        try
        {
            await StopNspawnAsync();
        }
        finally
        {
            if (_cgroup is { } cgroup)
            {
                _cgroup = null;
                try
                {
                    await cgroup.RemoveAsync();
                }
                catch (IOException e)
                {
                    throw new TestbedException($"{Name}: its cgroup {string.Join(", ", cgroup.Directories)} is still busy: {e.Message}");
                }
            }
        }
    }

    private async Task StopNspawnAsync()
    {
        if (_nspawn is not { } nspawn) return;
        _nspawn = null;
        Leader = 0;
        if (!nspawn.HasExited)
        {
            await Cmd.RunAsync("kill", "-TERM", nspawn.Id.ToString(CultureInfo.InvariantCulture));
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
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
        File.Delete(Path.Combine(Folder, "nspawn.pid"));
    }

    /// <summary>A reboot: power off, boot the same disk again.</summary>
    public async Task RebootAsync()
    {
        await StopAsync();
        await BootAsync();
    }

    /// <summary>Runs a command in every namespace of the machine.</summary>
    public Task<CmdResult> ExecAsync(TimeSpan timeout, params string[] command)
    {
        if (Leader == 0) throw new TestbedException($"{Name} is not running");
        return Cmd.RunAsync("nsenter", ["-t", Leader.ToString(CultureInfo.InvariantCulture), "-a", "--", .. command], timeout);
    }

    public Task<CmdResult> ExecAsync(params string[] command) => ExecAsync(TimeSpan.FromSeconds(90), command);

    public Task<CmdResult> ShAsync(string script, TimeSpan? timeout = null) =>
        ExecAsync(timeout ?? TimeSpan.FromSeconds(90), "/bin/sh", "-c", script);

    public Task<CmdResult> DockerAsync(params string[] args) => ExecAsync(["docker", .. args]);

    /// <summary>The global IPv6 addresses on an interface inside the machine.</summary>
    public async Task<IReadOnlyList<PrefixedAddress>> AddressesAsync(string device)
    {
        var r = (await ExecAsync("ip", "-6", "-o", "addr", "show", "dev", device, "scope", "global")).Check();
        return [.. r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => PrefixedAddress.TryParse(f[Array.IndexOf(f, "inet6") + 1], out var p) ? p : throw new TestbedException($"{Name}: cannot parse '{string.Join(' ', f)}'"))];
    }

    /// <summary>The global IPv6 addresses of a container's eth0.</summary>
    public async Task<IReadOnlyList<IPAddress>> ContainerAddressesAsync(string container)
    {
        var r = (await DockerAsync("exec", container, "ip", "-6", "-o", "addr", "show", "dev", "eth0", "scope", "global")).Check();
        return [.. r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => f[Array.IndexOf(f, "inet6") + 1].Split('/')[0])
            .Select(IPAddress.Parse)];
    }

    /// <summary>Pings from inside a container; a few tries, since the first packets can be lost to neighbour discovery.</summary>
    public async Task<CmdResult> PingFromContainerAsync(string container, IPAddress target)
    {
        CmdResult r = null!;
        for (var i = 0; i < 3; i++)
        {
            r = await DockerAsync("exec", container, "ping", "-6", "-c", "2", "-W", "2", target.ToString());
            if (r.Ok) break;
        }

        return r;
    }

    private const string PeerPath = "/usr/local/sbin/testbed-peer";

    /// <summary>The container's pid as the machine sees it (its PID namespace is the machine's own).</summary>
    private async Task<string> ContainerPidAsync(string container) =>
        (await DockerAsync("inspect", "-f", "{{.State.Pid}}", container)).Check().StdOut.Trim();

    /// <summary>
    /// Starts a server (scripts/peer) on <paramref name="proto"/>/<paramref name="port"/> in the container's network
    /// namespace, as a transient unit of the machine (so it dies with the machine); returns once it answers on loopback.
    /// </summary>
    public async Task ServeAsync(string container, string proto, int port)
    {
        var pid = await ContainerPidAsync(container);
        var unit = $"testbed-peer-{container}-{proto}{port}-{_boots}";
        (await ExecAsync("systemd-run", $"--unit={unit}", "--collect", "--quiet", "--",
            "nsenter", $"--net=/proc/{pid}/ns/net", PeerPath, "serve", proto, port.ToString(CultureInfo.InvariantCulture), $"/run/{unit}.pid")).Check();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (await AskFromContainerAsync(container, IPAddress.IPv6Loopback, proto, port, 0.5) is null)
        {
            if (DateTime.UtcNow > deadline)
                throw new TestbedException($"{Name}: peer server {proto}/{port} in {container} does not answer on loopback:\n{(await ExecAsync("journalctl", "-u", unit, "--no-pager")).StdOut}");
            await Task.Delay(200);
        }
    }

    /// <summary>Asks a peer server from inside a container on this machine; the address the server saw, <c>null</c> when none answered.</summary>
    public async Task<string?> AskFromContainerAsync(string container, IPAddress address, string proto, int port, double seconds = 2)
    {
        var pid = await ContainerPidAsync(container);
        var r = await ExecAsync(TimeSpan.FromSeconds(seconds + 10), "nsenter", $"--net=/proc/{pid}/ns/net", PeerPath, "ask", proto, address.ToString(),
            port.ToString(CultureInfo.InvariantCulture), seconds.ToString(CultureInfo.InvariantCulture));
        return r.Ok ? r.StdOut.Trim() : null;
    }

    public string Tail(int lines = 40)
    {
        try
        {
            using var stream = new FileStream(ConsoleLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no console log)";
        }
    }

    /// <summary>
    /// nspawn's child forks the machine's systemd (PID 1 inside): a descendant of nspawn whose
    /// NSpid ends in 1. (Its /proc/PID/root reads "/" after nspawn's pivot_root, so the root
    /// folder cannot tell it.)
    /// </summary>
    private static int ChildSystemd(int nspawn)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (File.ReadAllText($"{dir}/comm").Trim() != "systemd") continue;
                var status = File.ReadAllLines($"{dir}/status");
                var nspid = status.FirstOrDefault(l => l.StartsWith("NSpid:", StringComparison.Ordinal))?.Split('\t', StringSplitOptions.RemoveEmptyEntries);
                if (nspid is null || nspid.Length < 3 || nspid[^1] != "1") continue;
                if (DescendsFrom(pid, nspawn)) return pid;
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return 0;
    }

    private static bool DescendsFrom(int pid, int ancestor)
    {
        for (var i = 0; i < 4 && pid > 1; i++)
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            pid = int.Parse(fields[1], CultureInfo.InvariantCulture);
            if (pid == ancestor) return true;
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (TestbedException)
        {
            // the sweeper kills what did not stop
        }

        if (File.ReadAllText("/proc/self/mountinfo").Contains(" " + Root + " ", StringComparison.Ordinal))
        {
            await Cmd.RunAsync("umount", "-l", Root);
        }
    }
}
