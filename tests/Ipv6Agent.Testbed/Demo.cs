using System.Diagnostics;
using Ipv6Agent.Testbed.Instances;
using Ipv6Agent.Testbed.Scenarios;

namespace Ipv6Agent.Testbed;

/// <summary>
/// What <c>demo.sh</c> shows: the blog's two instances booted as EC2 leaves them, the agent's
/// <c>apply</c> on both, both <c>status</c> reports, and a container on each pinging the other's.
/// </summary>
internal static class Demo
{
    public static async Task<int> RunAsync(string agent)
    {
        if (!File.Exists(agent))
        {
            throw new TestbedException($"no agent at {agent}: dotnet publish src/Ipv6Agent/Ipv6Agent.csproj -c Release -o DIR");
        }

        var clock = Stopwatch.StartNew();
        void Step(string s) => Console.WriteLine($"==> [{clock.Elapsed.TotalSeconds,5:F1}s] {s}");

        await using var bed = await Testbed.StartAsync(ScenarioLoader.Load("blog-two-instances"), Step);
        var ok = true;
        foreach (var instance in bed.Instances)
        {
            Step($"ipv6-agent apply on {instance.Name}");
            var apply = await instance.AgentAsync(agent, "apply");
            Console.Write(Indent(apply.StdOut + apply.StdErr));
            ok &= apply.Ok;
        }

        foreach (var instance in bed.Instances)
        {
            Step($"ipv6-agent status on {instance.Name}");
            var status = await instance.AgentAsync(agent, "status");
            Console.Write(Indent(status.StdOut + status.StdErr));
            ok &= status.Ok;
        }

        Step("a container on each instance");
        var c1 = await Testbed.StartContainerAsync(bed["instance-1"], "demo");
        var c2 = await Testbed.StartContainerAsync(bed["instance-2"], "demo");
        var a1 = (await Testbed.ContainerAddressesAsync(bed["instance-1"], c1)).FirstOrDefault();
        var a2 = (await Testbed.ContainerAddressesAsync(bed["instance-2"], c2)).FirstOrDefault();
        Console.WriteLine($"    instance-1 container: {a1}    instance-2 container: {a2}");
        foreach (var (from, c, to) in new[] { (bed["instance-1"], c1, a2), (bed["instance-2"], c2, a1) })
        {
            if (to is null)
            {
                Console.WriteLine("    a container has no IPv6 address: nothing to ping");
                ok = false;
                continue;
            }

            Step($"ping from the container on {from.Name} to {to}");
            var ping = await Testbed.PingFromContainerAsync(from, c, to);
            Console.Write(Indent(ping.StdOut + ping.StdErr));
            ok &= ping.Ok;
        }

        Step("cleaning up");
        await bed.DisposeAsync();
        Step(ok ? "demo passed" : "demo FAILED");
        return ok ? 0 : 1;
    }

    /// <summary>
    /// <c>demo.sh --stack S</c>: the blog's two instances as booted machines of stack S; cloud-init
    /// installs the release from the user data, the service converges on its own; then both
    /// `ipv6-agent status`, a container on each and their pings.
    /// </summary>
    public static async Task<int> RunBootedAsync(Stack stack, string release)
    {
        var clock = Stopwatch.StartNew();
        void Step(string s) => Console.WriteLine($"==> [{clock.Elapsed.TotalSeconds,5:F1}s] {s}");
        Step($"rootfs for {stack} (cached after the first build)");
        var rootfs = await BootedAssets.RootfsAsync(stack);
        await using var bed = await Testbed.StartAsync(ScenarioLoader.Load("blog-two-instances"), Step,
            booted: new Booted(stack, rootfs, release, BootedAssets.UserDataTemplate));
        var ok = true;
        foreach (var m in bed.Machines)
        {
            Step($"{m.Name}: the user data's install (tail of /var/log/cloud-init-output.log)");
            var log = await m.ShAsync("grep ipv6-agent-install: /var/log/cloud-init-output.log | tail -n 8");
            Console.Write(Indent(log.StdOut));
            Step($"{m.Name}: systemctl is-active ipv6-agent; ipv6-agent status");
            var status = await m.ShAsync("systemctl is-active ipv6-agent; ipv6-agent status");
            Console.Write(Indent(status.StdOut + status.StdErr));
            ok &= status.Ok;
        }

        Step("a container on each instance");
        var addresses = new List<System.Net.IPAddress?>();
        foreach (var m in bed.Machines)
        {
            (await m.DockerAsync("run", "-d", "--restart", "always", "--name", "demo", "busybox:stable", "sleep", "3600")).Check();
            addresses.Add((await m.ContainerAddressesAsync("demo")).FirstOrDefault());
        }

        Console.WriteLine($"    instance-1 container: {addresses[0]}    instance-2 container: {addresses[1]}");
        foreach (var (from, to) in new[] { (bed.Machines[0], addresses[1]), (bed.Machines[1], addresses[0]), (bed.Machines[0], bed.InternetHost) })
        {
            if (to is null)
            {
                Console.WriteLine("    a container has no IPv6 address: nothing to ping");
                ok = false;
                continue;
            }

            Step($"ping from the container on {from.Name} to {to}");
            var ping = await from.PingFromContainerAsync("demo", to);
            Console.Write(Indent(ping.StdOut + ping.StdErr));
            ok &= ping.Ok;
        }

        Step("cleaning up");
        await bed.DisposeAsync();
        Step(ok ? "demo passed" : "demo FAILED");
        return ok ? 0 : 1;
    }

    private static string Indent(string text) =>
        string.Concat(text.Split('\n').Where(l => l.Length > 0).Select(l => "    " + l + "\n"));
}
