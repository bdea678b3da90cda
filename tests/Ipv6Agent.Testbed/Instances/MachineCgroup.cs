using System.Globalization;
using Ipv6Agent.Testbed.Network;

namespace Ipv6Agent.Testbed.Instances;

/// <summary>
/// A cgroup of its own for one booted machine, in every cgroup hierarchy of this host
/// (<c>…/ipv6-agent-testbed/NAME</c> below the testbed's own cgroup).
/// </summary>
/// <remarks>
/// With <c>--register=no --keep-unit</c> and no systemd on the host to ask for a scope, nspawn splits
/// the cgroup it was started in into <c>supervisor</c> and <c>payload</c>, and the machine's systemd
/// builds its tree (<c>system.slice/cloud-config.service</c>, …) under <c>payload</c>. The testbed runs
/// in the root cgroup, so every machine got the same <c>/payload</c>: the two machines of a pair each
/// saw the other's units' processes as their own. That is what hung bookworm's boots: one machine's
/// systemd stopped its failed cloud-config.service by killing "its" control group, found processes it
/// could not see ("Failed to kill control group /system.slice/cloud-config.service, ignoring:
/// Input/output error": the other PID namespace's pids read as 0) and removed the group; the other
/// machine's cloud-config.service then waited in <c>deactivating (stop-sigterm)</c> for an empty
/// notification from a cgroup that no longer existed, with cloud-init's TimeoutSec=0, forever. Nested
/// here, each machine's <c>payload</c> is its own, and tearing a machine down can kill exactly its
/// processes (every pid in its groups) before removing the groups.
/// </remarks>
internal sealed class MachineCgroup
{
    public const string Parent = "ipv6-agent-testbed";

    private MachineCgroup(string name, IReadOnlyList<string> directories)
    {
        Name = name;
        Directories = directories;
    }

    public string Name { get; }

    /// <summary>The machine's group in each hierarchy, as this host's paths.</summary>
    public IReadOnlyList<string> Directories { get; }

    /// <summary>Creates the machine's group in every hierarchy (v1 controllers, <c>name=systemd</c>, cgroup2).</summary>
    public static MachineCgroup Create(string name)
    {
        if (name.Contains('/', StringComparison.Ordinal) || name.Contains(' ', StringComparison.Ordinal) || name is "" or "." or "..")
        {
            throw new TestbedException($"'{name}' cannot name a cgroup");
        }

        var dirs = new List<string>();
        foreach (var (own, cpuset) in OwnGroups())
        {
            var parent = Path.Combine(own, Parent);
            var dir = Path.Combine(parent, name);
            Directory.CreateDirectory(dir);
            // A new v1 cpuset has no CPUs and no memory nodes, and refuses tasks until it has both: inherit them.
            if (cpuset)
            {
                InheritCpuset(own, parent);
                InheritCpuset(parent, dir);
            }

            dirs.Add(dir);
        }

        if (dirs.Count == 0) throw new TestbedException("no cgroup hierarchy found in /proc/self/mountinfo");
        return new MachineCgroup(name, dirs);
    }

    /// <summary>
    /// A <c>sh -c</c> script that moves itself into the machine's groups and then execs its arguments: nspawn must be
    /// in them before it forks the machine, and it keeps the shell's pid.
    /// </summary>
    public string JoinThenExecScript =>
        string.Concat(Directories.Select(d => $"echo $$ >'{d}/cgroup.procs' && ")) + "exec \"$@\"";

    /// <summary>
    /// Kills whatever still runs in the machine's groups (nspawn has exited by now; anything left is the machine's) and
    /// removes them, deepest first. A cgroup can refuse rmdir while its last tasks are exiting: retried for a few seconds.
    /// </summary>
    public Task RemoveAsync() => RemoveAsync(Directories);

    /// <summary>The groups of machines whose name starts with <paramref name="prefix"/> (a testbed run's), for the sweeper.</summary>
    public static Task SweepAsync(string prefix) =>
        RemoveAsync([.. OwnGroups().Select(g => Path.Combine(g.Own, Parent)).Where(Directory.Exists)
            .SelectMany(p => Directory.EnumerateDirectories(p, prefix + "*"))]);

    private static async Task RemoveAsync(IReadOnlyList<string> roots)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var groups = roots.Where(Directory.Exists)
                .SelectMany(r => Directory.EnumerateDirectories(r, "*", SearchOption.AllDirectories).Append(r))
                .OrderByDescending(d => d.Count(c => c == '/'))
                .ToList();
            if (groups.Count == 0) return;
            foreach (var pid in groups.SelectMany(Pids).Distinct())
            {
                await Cmd.RunAsync("kill", "-KILL", pid.ToString(CultureInfo.InvariantCulture));
            }

            foreach (var g in groups)
            {
                try
                {
                    Directory.Delete(g); // rmdir: a cgroup's files go with it
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    // busy: tasks still exiting, or a child not removed yet; next round
                }
            }

            await Task.Delay(200);
        }
    }

    private static IEnumerable<int> Pids(string group)
    {
        try
        {
            return [.. File.ReadAllLines(Path.Combine(group, "cgroup.procs"))
                .Select(l => int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0)
                .Where(p => p > 1 && p != Environment.ProcessId)];
        }
        catch (IOException)
        {
            return [];
        }
    }

    private static void InheritCpuset(string from, string to)
    {
        foreach (var f in new[] { "cpuset.cpus", "cpuset.mems" })
        {
            if (File.ReadAllText(Path.Combine(to, f)).Trim() == "") File.WriteAllText(Path.Combine(to, f), File.ReadAllText(Path.Combine(from, f)));
        }
    }

    /// <summary>
    /// This process's own group in each mounted hierarchy: /proc/self/cgroup says the path per hierarchy
    /// (<c>ID:CONTROLLERS:PATH</c>, <c>0::PATH</c> for cgroup2), /proc/self/mountinfo where each hierarchy is mounted.
    /// </summary>
    private static List<(string Own, bool Cpuset)> OwnGroups()
    {
        var mounts = File.ReadAllLines("/proc/self/mountinfo")
            .Select(l => (Fields: l.Split(' '), Tail: l[(l.IndexOf(" - ", StringComparison.Ordinal) + 3)..].Split(' ')))
            // Only mounts of a hierarchy's root: PATH in /proc/self/cgroup is relative to it.
            .Where(m => m.Tail[0] is "cgroup" or "cgroup2" && m.Fields[3] == "/")
            .Select(m => (Point: m.Fields[4], V2: m.Tail[0] == "cgroup2", Options: m.Tail[2].Split(',').ToHashSet()))
            .ToList();
        var own = new List<(string, bool)>();
        foreach (var line in File.ReadAllLines("/proc/self/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3) continue;
            var controllers = parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries);
            var mount = parts[1] == ""
                ? mounts.FirstOrDefault(m => m.V2)
                : mounts.FirstOrDefault(m => !m.V2 && controllers.All(m.Options.Contains));
            if (mount.Point is null) continue;
            own.Add((mount.Point + (parts[2] == "/" ? "" : parts[2]), controllers.Contains("cpuset")));
        }

        return own;
    }
}
