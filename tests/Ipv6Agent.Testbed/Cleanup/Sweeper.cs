using Ipv6Agent.Testbed.Network;

namespace Ipv6Agent.Testbed.Cleanup;

/// <summary>
/// Removes what a testbed run left behind, whether it ended well or was killed: every process
/// living in one of its namespaces (networkd, dockerd, containerd, shims, the IMDS), every pid
/// it recorded, mounts under its folder, the namespaces, the folder. A run is <c>tb-ID</c>:
/// namespaces <c>tb-ID-*</c>, folder <c>/tmp/tb-ID</c>, owner pid in <c>/tmp/tb-ID/owner.pid</c>.
/// </summary>
internal static class Sweeper
{
    public const string Prefix = "tb-";

    /// <summary>Sweeps every run whose owner process is gone (leftovers of a killed run).</summary>
    public static async Task SweepOrphansAsync()
    {
        var runs = (await NamespacesAsync()).Select(RunOf)
            .Concat(Directory.GetDirectories("/tmp", Prefix + "*").Select(d => Path.GetFileName(d)!))
            .Where(r => r.Length > Prefix.Length)
            .Distinct()
            .ToList();
        foreach (var run in runs)
        {
            var owner = Path.Combine("/tmp", run, "owner.pid");
            if (File.Exists(owner) && int.TryParse(File.ReadAllText(owner).Trim(), out var pid)
                && pid != Environment.ProcessId && Directory.Exists($"/proc/{pid}"))
            {
                continue; // a live run of someone else's process
            }

            await SweepAsync(run);
        }
    }

    /// <summary>Sweeps one run (<c>tb-ID</c>).</summary>
    public static async Task SweepAsync(string run)
    {
        var folder = Path.Combine("/tmp", run);
        var namespaces = (await NamespacesAsync()).Where(n => n.StartsWith(run + "-", StringComparison.Ordinal)).ToList();
        for (var round = 0; round < 3; round++)
        {
            var pids = new HashSet<int>();
            foreach (var ns in namespaces)
            {
                var r = await Cmd.RunAsync("ip", "netns", "pids", ns);
                foreach (var line in r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (int.TryParse(line.Trim(), out var p)) pids.Add(p);
                }
            }

            if (Directory.Exists(folder))
            {
                foreach (var f in Directory.EnumerateFiles(folder, "*.pid", SearchOption.AllDirectories))
                {
                    if (Path.GetFileName(f) != "owner.pid" && int.TryParse(SafeRead(f), out var p) && Mentions(p, run)) pids.Add(p);
                }
            }

            // Container processes live in their own namespaces; their root is inside the run's folder.
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(dir), out var p) && RootIsUnder(p, folder)) pids.Add(p);
            }

            pids.Remove(Environment.ProcessId);
            if (pids.Count == 0) break;
            foreach (var p in pids)
            {
                await Cmd.RunAsync("kill", "-KILL", p.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            await Task.Delay(300);
        }

        // Booted machines' cgroups (tb-ID-instance-N): whatever still runs in them is the run's.
        await Instances.MachineCgroup.SweepAsync(run + "-");

        // dockerd bind-mounts container namespaces under its exec root in the machine's mount namespace.
        foreach (var mount in File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4])
                     .Where(m => m.StartsWith(folder + "/", StringComparison.Ordinal)).OrderByDescending(m => m.Length))
        {
            await Cmd.RunAsync("umount", "-l", mount);
        }

        foreach (var ns in namespaces)
        {
            await Cmd.RunAsync("ip", "netns", "del", ns);
        }

        if (Directory.Exists(folder) && Environment.GetEnvironmentVariable("TB_KEEP") is not "1")
        {
            await Cmd.RunAsync("rm", "-rf", "--one-file-system", folder);
        }
    }

    public static async Task<IReadOnlyList<string>> NamespacesAsync()
    {
        var r = await Cmd.RunAsync("ip", "netns", "list");
        return [.. r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')[0]).Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))];
    }

    private static string RunOf(string ns) =>
        ns.IndexOf('-', Prefix.Length) is var i and > 0 ? ns[..i] : ns;

    private static bool RootIsUnder(int pid, string folder)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/root").LinkTarget is { } root && root.StartsWith(folder + "/", StringComparison.Ordinal);
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    private static string SafeRead(string f)
    {
        try { return File.ReadAllText(f).Trim(); } catch (IOException) { return ""; }
    }

    // A recorded pid may have been reused by an unrelated process: only kill what belongs to the run.
    private static bool Mentions(int pid, string run)
    {
        try
        {
            var cmd = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            return cmd.Contains(run, StringComparison.Ordinal);
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
