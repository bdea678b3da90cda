using Ipv6Agent.Testing;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ipv6Agent.Testbed;
using Ipv6Agent.Testbed.Instances;
using Ipv6Agent.Testbed.Scenarios;

namespace Ipv6Agent.EndToEnd;

/// <summary>One run of the agent: its exit code and the report it printed with <c>--json</c>.</summary>
internal sealed record AgentRun(int ExitCode, JsonElement? Report, string StdOut, string StdErr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {StdOut}\nstderr: {StdErr}";

    public IEnumerable<(string Path, string Action)> Changes =>
        Report is { } r && r.TryGetProperty("changes", out var c)
            ? c.EnumerateArray().Select(e => (e.GetProperty("path").GetString()!, e.GetProperty("action").GetString()!))
            : [];

    public IEnumerable<string> Actions =>
        Report is { } r && r.TryGetProperty("actions", out var a) ? a.EnumerateArray().Select(e => e.GetString()!) : [];
}

/// <summary>The steps and assertions every scenario test is made of.</summary>
internal static class Vpc
{
    /// <summary>Agent-owned daemon.json keys; every other key must survive an apply.</summary>
    private static readonly HashSet<string> AgentKeys = ["ipv6", "fixed-cidr-v6", "ip6tables", "experimental"];

    public static Task<Testbed.Testbed> StartAsync(string scenario) =>
        Testbed.Testbed.StartAsync(ScenarioLoader.Load(scenario), s => TestContext.Current.SendDiagnosticMessage(s));

    public static async Task<AgentRun> AgentAsync(Instance instance, params string[] args)
    {
        var r = await instance.AgentAsync(await AgentBinary.PathAsync(), args);
        JsonElement? report = null;
        try
        {
            if (r.StdOut.TrimStart().StartsWith('{')) report = JsonDocument.Parse(r.StdOut).RootElement.Clone();
        }
        catch (JsonException)
        {
        }

        var run = new AgentRun(r.ExitCode, report, r.StdOut, r.StdErr);
        TestContext.Current.SendDiagnosticMessage($"{instance.Name}: ipv6-agent {string.Join(' ', args)} → {run}");
        return run;
    }

    public static Task<AgentRun> ApplyAsync(Instance instance) => AgentAsync(instance, "apply", "--json");

    /// <summary>Every instance converges with one apply, in scenario order.</summary>
    public static async Task ApplyAllAsync(Testbed.Testbed bed)
    {
        foreach (var instance in bed.Instances)
        {
            var run = await ApplyAsync(instance);
            Assert.True(run.ExitCode == bed.Scenario.Expect.ExitCode, $"{instance.Name}: expected exit {bed.Scenario.Expect.ExitCode}, got {run}");
        }
    }

    /// <summary>ens5 holds exactly the expected addresses, docker0 its gateway, a container an address in the Docker CIDR.</summary>
    public static async Task AssertAddressesAsync(Testbed.Testbed bed)
    {
        foreach (var (name, expect) in bed.Scenario.Expect.Instances)
        {
            var instance = bed[name];
            var ens5 = await instance.AddressesAsync("ens5");
            Assert.True(ens5.ToHashSet().SetEquals(expect.Ens5),
                $"{name}: ens5 holds [{string.Join(", ", ens5)}], expected only [{string.Join(", ", expect.Ens5)}]");
            if (expect.Docker0 is { } d0)
            {
                var docker0 = await instance.AddressesAsync("docker0");
                Assert.True(docker0.Contains(d0), $"{name}: docker0 holds [{string.Join(", ", docker0)}], expected {d0}");
            }

            if (expect.ContainerIn is { } cidr)
            {
                var c = await ContainerAsync(instance);
                var addresses = await Testbed.Testbed.ContainerAddressesAsync(instance, c);
                Assert.True(addresses.Any(cidr.Contains), $"{name}: container has [{string.Join(", ", addresses)}], expected one in {cidr}");
            }
        }
    }

    /// <summary>A long-lived container on the instance (started once).</summary>
    public static async Task<string> ContainerAsync(Instance instance)
    {
        var name = "e2e";
        var r = await instance.DockerAsync("inspect", "-f", "{{.State.Running}}", name);
        if (r.Ok && r.StdOut.Trim() == "true") return name;
        if (r.Ok) await instance.DockerAsync("rm", "-f", name);
        return await Testbed.Testbed.StartContainerAsync(instance, name);
    }

    public static async Task AssertPingsAsync(Testbed.Testbed bed)
    {
        foreach (var ping in bed.Scenario.Expect.Pings)
        {
            var instance = bed[ping.From];
            var r = await Testbed.Testbed.PingFromContainerAsync(instance, await ContainerAsync(instance), ping.To);
            Assert.True(r.Ok, $"ping from a container on {ping.From} to {ping.To} failed:\n{r.StdOut}{r.StdErr}");
        }
    }

    /// <summary>
    /// No NAT66, whatever the Docker version: the internet host sees the container's own address as the source of its
    /// pings (a ping alone would also succeed if Docker masqueraded it behind the host's address). Counted by an
    /// ip6tables rule inside the internet host's namespace, never the machine's own.
    /// </summary>
    public static async Task AssertInternetSeesContainerAddressAsync(Testbed.Testbed bed, Instance instance)
    {
        var container = await ContainerAsync(instance);
        var own = Assert.Single(await Testbed.Testbed.ContainerAddressesAsync(instance, container));
        string[] rule = ["-s", own.ToString(), "-p", "ipv6-icmp", "--icmpv6-type", "echo-request", "-j", "ACCEPT"];
        await InternetIp6TablesAsync(bed, ["-I", "INPUT", .. rule]);
        try
        {
            var ping = await Testbed.Testbed.PingFromContainerAsync(instance, container, bed.InternetHost);
            Assert.True(ping.Ok, $"{instance.Name}: ping from the container to {bed.InternetHost} failed:\n{ping.StdOut}{ping.StdErr}");
            var counted = (await InternetIp6TablesAsync(bed, ["-S", "INPUT", "-v"])).Split('\n')
                .Where(l => l.Contains($"-s {own}/128", StringComparison.Ordinal))
                .Select(l => l.Split(' ')).Select(f => long.Parse(f[Array.IndexOf(f, "-c") + 1], System.Globalization.CultureInfo.InvariantCulture))
                .Sum();
            Assert.True(counted > 0, $"{instance.Name}: {bed.InternetHost} saw no echo request from the container's own address {own} (NAT66?)");
        }
        finally
        {
            await InternetIp6TablesAsync(bed, ["-D", "INPUT", .. rule]);
        }
    }

    private static async Task<string> InternetIp6TablesAsync(Testbed.Testbed bed, string[] args)
    {
        var r = await AgentProcess.RunRawAsync("ip", ["netns", "exec", bed.Router.InternetNamespace, "ip6tables", "-w", .. args], null, TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, $"ip6tables {string.Join(' ', args)} in {bed.Router.InternetNamespace}: {r.StdErr}");
        return r.StdOut;
    }

    /// <summary>daemon.json was merged: every key the image had that the agent does not own is as it was.</summary>
    public static void AssertDaemonJsonKept(Instance instance, string original)
    {
        var before = JsonNode.Parse(original)!.AsObject();
        var after = JsonNode.Parse(File.ReadAllText(instance.PathOf("/etc/docker/daemon.json")))!.AsObject();
        foreach (var (key, value) in before.Where(kv => !AgentKeys.Contains(kv.Key)))
        {
            Assert.True(after.ContainsKey(key), $"{instance.Name}: daemon.json lost \"{key}\"");
            Assert.True(JsonNode.DeepEquals(value, after[key]), $"{instance.Name}: daemon.json changed \"{key}\": {value?.ToJsonString()} → {after[key]?.ToJsonString()}");
        }
    }

    /// <summary>On a converged host a second apply writes nothing, runs nothing, and dockerd keeps its pid.</summary>
    public static async Task AssertSecondApplyChangesNothingAsync(Instance instance)
    {
        var pid = instance.DockerdPid;
        var run = await ApplyAsync(instance);
        Assert.True(run.ExitCode == 0, $"{instance.Name}: second apply: {run}");
        Assert.NotNull(run.Report);
        var changed = run.Changes.Where(c => c.Action != "unchanged").ToList();
        Assert.True(changed.Count == 0, $"{instance.Name}: second apply changed {string.Join(", ", changed)}");
        Assert.True(!run.Actions.Any(), $"{instance.Name}: second apply ran {string.Join(", ", run.Actions)}");
        Assert.Equal(pid, instance.DockerdPid);
    }

    /// <summary>Every file under the instance's /etc, with its content: to prove nothing was touched.</summary>
    public static IReadOnlyDictionary<string, string> Snapshot(Instance instance) =>
        Directory.EnumerateFiles(instance.PathOf("/etc"), "*", SearchOption.AllDirectories)
            .Concat(Directory.Exists(instance.PathOf("/var/lib/ipv6-agent")) ? Directory.EnumerateFiles(instance.PathOf("/var/lib/ipv6-agent"), "*", SearchOption.AllDirectories) : [])
            .ToDictionary(f => f, File.ReadAllText);

    public static void AssertSame(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after, string what)
    {
        var diff = before.Keys.Union(after.Keys)
            .Where(k => !before.TryGetValue(k, out var b) || !after.TryGetValue(k, out var a) || a != b).ToList();
        Assert.True(diff.Count == 0, $"{what}: changed {string.Join(", ", diff)}");
    }

    public static IPAddress Ip(string s) => IPAddress.Parse(s);
}
