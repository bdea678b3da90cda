using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Ipv6Agent.Addressing;
using Ipv6Agent.Testbed.Instances;
using Ipv6Agent.Testbed.Network;
using Ipv6Agent.Testbed.Scenarios;
using Ipv6Agent.Testing;

namespace Ipv6Agent.Benchmarks.Goals;

/// <summary>
/// <c>Ipv6Agent.Benchmarks goals</c>: the agent's performance goals (issue 11), each printed as a ratio beside its goal,
/// measured on the simulated VPC with the binary in <c>IPV6_AGENT</c> (else published from this checkout, as the tests
/// do). Needs root (the testbed). Per round, a fresh blog-two-instances testbed: on one instance the blog's steps by hand
/// (the bare procedure: files, one <c>netplan apply</c>, one Docker restart, nothing verified), on the other a converging
/// <c>apply</c>, then no-op passes; the instances swap roles every round so neither's position counts. On the last round's
/// testbed: <c>status</c> against <c>cat status.json</c>, and the <c>run</c> service's resident memory over its passes.
/// </summary>
internal static class GoalBenchmarks
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var rounds = Option(args, "--rounds", 3);
        var noOps = Option(args, "--no-ops", 3);
        var passes = Option(args, "--passes", 100);
        var statusRuns = Option(args, "--status-runs", 30);
        Ipv6Agent.Testbed.Testbed.RequireRoot();
        var agent = await AgentBinary.PathAsync();
        Console.WriteLine($"agent: {agent}");
        Console.WriteLine($"machine: {Machine()}");

        var bare = new List<double>();
        var converge = new List<double>();
        var noOp = new List<double>();
        var status = new List<double>();
        var cat = new List<double>();
        RssSamples? rss = null;
        for (var round = 1; round <= rounds; round++)
        {
            await using var bed = await Ipv6Agent.Testbed.Testbed.StartAsync(ScenarioLoader.Load("blog-two-instances"));
            var (byHand, byAgent) = round % 2 == 1 ? (bed["instance-1"], bed["instance-2"]) : (bed["instance-2"], bed["instance-1"]);

            bare.Add(await TimeAsync(() => BareProcedureAsync(byHand)));
            converge.Add(await TimeAsync(async () => Expect(await byAgent.AgentAsync(agent, "apply"), 0, "converging apply")));
            for (var i = 0; i < noOps; i++)
            {
                noOp.Add(await TimeAsync(async () =>
                {
                    var r = Expect(await byAgent.AgentAsync(agent, "apply", "--json"), 0, "no-op apply");
                    if (r.StdOut.Contains("\"action\": \"update\"", StringComparison.Ordinal) || r.StdOut.Contains("\"action\": \"create\"", StringComparison.Ordinal))
                        throw new InvalidOperationException($"the second apply changed files:\n{r.StdOut}");
                }));
            }

            Console.WriteLine($"round {round}: bare {bare[^1]:F2} s ({byHand.Name}), converge {converge[^1]:F2} s ({byAgent.Name}), " +
                              $"no-op {string.Join(" ", noOp.TakeLast(noOps).Select(t => t.ToString("F2", CultureInfo.InvariantCulture)))} s");

            if (round == rounds)
            {
                (status, cat) = await StatusAgainstCatAsync(agent, byAgent, statusRuns);
                rss = await ServiceRssAsync(agent, byAgent, passes);
            }
        }

        var size = BinarySize(agent);
        var rows = new List<Row>
        {
            new("converge / bare procedure", $"{Median(converge):F2} s / {Median(bare):F2} s", Median(converge) / Median(bare), "≤ 1.2×", Median(converge) / Median(bare) <= 1.2),
            new("no-op pass / converge", $"{Median(noOp):F2} s / {Median(converge):F2} s", Median(noOp) / Median(converge), "≤ 0.25×", Median(noOp) / Median(converge) <= 0.25),
            new("`status` p50 / `cat status.json` p50", $"{Median(status) * 1000:F1} ms / {Median(cat) * 1000:F1} ms", Median(status) / Median(cat), "status ≤ 10 ms p50", Median(status) <= 0.010),
        };
        if (rss is { } r)
        {
            rows.Add(new($"service RSS after {r.Passes} passes / after its first", $"{r.Last / 1024.0:F1} MB / {r.First / 1024.0:F1} MB (peak {r.Peak / 1024.0:F1} MB, pass {r.Passes / 2}: {r.Middle / 1024.0:F1} MB)",
                (double)r.Last / r.First, "≤ 30 MB steady, no growth", r.Last <= 30 * 1024 && r.Last <= r.Middle * 1.05));
        }
        // A framework-dependent publish leaves the shared .NET runtime out: its size says nothing about the shipped binary's.
        var frameworkDependent = File.Exists(Path.ChangeExtension(Path.GetFullPath(agent), ".runtimeconfig.json"))
                                 && File.ReadAllText(Path.ChangeExtension(Path.GetFullPath(agent), ".runtimeconfig.json")).Contains("\"framework", StringComparison.Ordinal);
        rows.Add(new("binary size / 30 MB", $"{size / 1048576.0:F1} MB{(frameworkDependent ? " (framework-dependent: the .NET runtime is not counted)" : "")}",
            size / (30.0 * 1048576), "x64 ≤ 30 MB", !frameworkDependent && size <= 30L * 1048576));

        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"ipv6-agent goals, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Machine()}, {rounds} round(s), medians");
        table.AppendLine(CultureInfo.InvariantCulture, $"agent: {agent}");
        table.AppendLine("| what | measured | ratio | goal | met |");
        table.AppendLine("| --- | --- | ---: | --- | --- |");
        foreach (var row in rows)
            table.AppendLine(CultureInfo.InvariantCulture, $"| {row.What} | {row.Measured} | {row.Ratio:F2}× | {row.Goal} | {(row.Met ? "yes" : "**no**")} |");
        Console.WriteLine();
        Console.Write(table);
        return 0;
    }

    private sealed record Row(string What, string Measured, double Ratio, string Goal, bool Met);

    private sealed record RssSamples(int Passes, long First, long Middle, long Last, long Peak);

    /// <summary>
    /// The blog's steps as a person scripts them, nothing verified: the netplan override with the host address, daemon.json
    /// with Docker's CIDR, forwarding on, one <c>netplan apply</c>, one Docker restart. The same addresses the agent plans.
    /// </summary>
    private static Task BareProcedureAsync(Instance instance)
    {
        var ipv6s = instance.Spec.Ipv6s;
        return Testbed.HandRecipe.ApplyAsync(instance, new IPNetwork(ipv6s[0], 126), [new PrefixedAddress(ipv6s[^1], 64)], waitOnline: false);
    }

    /// <summary>Wall time of each, one process per call, as a person or a script meets them.</summary>
    private static async Task<(List<double> Status, List<double> Cat)> StatusAgainstCatAsync(string agent, Instance instance, int runs)
    {
        var report = instance.PathOf("/run/ipv6-agent/status.json");
        // A config with only the root, as on a host that leaves every other key at its default.
        var config = Path.Combine(instance.Folder, "status-config.yaml");
        await File.WriteAllTextAsync(config, $"root: {instance.Root}\n");
        var status = new List<double>();
        var cat = new List<double>();
        for (var i = 0; i < runs + 3; i++)
        {
            var s = await TimeAsync(async () => Expect(await Cmd.RunAsync(agent, "--config", config, "status"), 0, "status"));
            var c = await TimeAsync(async () => Expect(await Cmd.RunAsync("cat", report), 0, "cat status.json"));
            if (i < 3) continue; // warm-up: the page cache, as for every later call
            status.Add(s);
            cat.Add(c);
        }

        return (status, cat);
    }

    /// <summary>
    /// <c>ipv6-agent run</c> in the instance with a 1 s interval, as its service; VmRSS sampled after each finished pass
    /// (counted from its log's "Pass …" lines) until <paramref name="passes"/>, then stopped with SIGTERM by its pid.
    /// </summary>
    private static async Task<RssSamples> ServiceRssAsync(string agent, Instance instance, int passes)
    {
        await File.AppendAllTextAsync(instance.ConfigPath, "reconcile:\n  interval: 1s\n");
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "scripts", "agent"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { instance.Folder, agent, "run" }) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var finished = 0;
        var failed = new StringBuilder();
        void OnLine(string? line)
        {
            if (line is null) return;
            if (line.Contains("Pass ok", StringComparison.Ordinal)) Interlocked.Increment(ref finished);
            else if (line.Contains("Pass ", StringComparison.Ordinal)) lock (failed) failed.AppendLine(line);
        }

        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var samples = new long[passes + 1];
        var clock = Stopwatch.StartNew();
        try
        {
            var seen = 0;
            while (seen < passes)
            {
                if (process.HasExited) throw new InvalidOperationException($"ipv6-agent run exited {process.ExitCode}");
                if (failed.Length > 0) throw new InvalidOperationException($"a pass of ipv6-agent run was not ok:\n{failed}");
                if (clock.Elapsed > TimeSpan.FromMinutes(20)) throw new TimeoutException($"only {seen} passes in 20 minutes");
                var now = Volatile.Read(ref finished);
                if (now > seen)
                {
                    var kb = RssKb(AgentPid(instance));
                    for (var p = seen + 1; p <= Math.Min(now, passes); p++) samples[p] = kb;
                    seen = now;
                    if (seen % 10 == 0 || seen == 1) Console.WriteLine($"  service: pass {seen}, RSS {kb / 1024.0:F1} MB");
                }

                await Task.Delay(50);
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                await Cmd.RunAsync("kill", "-TERM", AgentPid(instance).ToString(CultureInfo.InvariantCulture));
                try
                {
                    await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                }
                catch (TimeoutException)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }

        return new RssSamples(passes, samples[1], samples[passes / 2], samples[passes], samples.Max());
    }

    private static int AgentPid(Instance instance) =>
        int.Parse(File.ReadAllText(Path.Combine(instance.Folder, "agent.pid")).Trim(), CultureInfo.InvariantCulture);

    private static long RssKb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }

        throw new InvalidOperationException($"no VmRSS for pid {pid}");
    }

    /// <summary>The executable; with assemblies beside it (a framework-dependent publish), the whole folder.</summary>
    private static long BinarySize(string agent)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(agent))!;
        return Directory.EnumerateFiles(folder, "*.dll").Any()
            ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length)
            : new FileInfo(agent).Length;
    }

    private static CmdResult Expect(CmdResult result, int exitCode, string what) => result.ExitCode == exitCode
        ? result
        : throw new InvalidOperationException($"{what}: exit {result.ExitCode}, expected {exitCode}\n{result.StdErr}\n{result.StdOut}");

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        await action();
        return clock.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static int Option(IReadOnlyList<string> args, string name, int fallback)
    {
        for (var i = 0; i < args.Count - 1; i++)
            if (args[i] == name) return int.Parse(args[i + 1], CultureInfo.InvariantCulture);
        return fallback;
    }

    private static string Machine()
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        return $"{Environment.ProcessorCount} cores ({cpu}), {Environment.OSVersion.VersionString}, load {load}";
    }
}
