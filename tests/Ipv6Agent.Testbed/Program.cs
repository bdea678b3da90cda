using System.Diagnostics;
using System.Net;
using Ipv6Agent.Addressing;
using Ipv6Agent.Testbed;
using Ipv6Agent.Testbed.Cleanup;
using Ipv6Agent.Testbed.Instances;
using Ipv6Agent.Testbed.Scenarios;

// ipv6-agent testbed: the simulated VPC from the command line.
//   demo AGENT_EXE          the blog's two instances, the agent on both, status and pings (demo.sh)
//   demo --stack S --release TARBALL   the same on booted machines of stack S, installed by cloud-init
//   recipe                  the blog's recipe by hand on the two instances (proves the testbed)
//   up SCENARIO             boot a scenario and keep it until Enter (for exploring with ip netns exec)
//   up SCENARIO --stack S   the same with booted instances of stack bookworm|trixie|sid
//   imds SCENARIO_FILE URL [--booted DIR]  host the fake IMDS (run by the testbed inside the router
//                           namespace); --booted: also user data, the release server, RAs and DHCPv6
//   sweep                   remove leftovers of runs whose process is gone
//   scenarios               list the scenarios
try
{
    return args switch
    {
        ["demo", var agent] => await Demo.RunAsync(agent),
        ["demo", "--stack", var stack, "--release", var tarball] => await Demo.RunBootedAsync(Enum.Parse<Stack>(stack, ignoreCase: true), tarball),
        ["recipe"] => await RecipeAsync(),
        ["up", var name] => await UpAsync(name),
        ["up", var name, "--stack", var stack] => await UpBootedAsync(name, Enum.Parse<Stack>(stack, ignoreCase: true)),
        ["imds", var file, var url] => await ImdsHost.RunAsync(ScenarioLoader.Load(file), url, runFolder: Path.GetDirectoryName(Path.GetFullPath(file))),
        ["imds", var file, var url, "--booted", var folder] => await ImdsHost.RunAsync(ScenarioLoader.Load(file), url, folder),
        ["sweep"] => await SweepAsync(),
        ["scenarios"] => List(),
        _ => Usage(),
    };
}
catch (TestbedException e)
{
    await Console.Error.WriteLineAsync("testbed: " + e.Message);
    return 1;
}

static int Usage()
{
    Console.Error.WriteLine("usage: Ipv6Agent.Testbed demo AGENT_EXE | recipe | up SCENARIO | imds SCENARIO_FILE URL | sweep | scenarios");
    return 64;
}

static int List()
{
    foreach (var n in ScenarioLoader.Names()) Console.WriteLine(n);
    return 0;
}

static async Task<int> SweepAsync()
{
    Testbed.RequireRoot();
    await Sweeper.SweepOrphansAsync();
    return 0;
}

static async Task<int> UpAsync(string name)
{
    await using var bed = await Testbed.StartAsync(ScenarioLoader.Load(name), Console.WriteLine);
    foreach (var i in bed.Instances)
    {
        Console.WriteLine($"{i.Name}: ip netns exec {i.Namespace} …  root {i.Root}  DOCKER_HOST=unix://{i.DockerSocket}  config {i.ConfigPath}");
    }

    Console.WriteLine("running; press Enter to tear down");
    Console.ReadLine();
    return 0;
}

static async Task<int> UpBootedAsync(string name, Stack stack)
{
    var sw = Stopwatch.StartNew();
    await using var bed = await Testbed.StartAsync(ScenarioLoader.Load(name), s => Console.WriteLine($"[{sw.Elapsed.TotalSeconds,5:F0} s] {s}"), booted: await BootedAssets.ForAsync(stack));
    foreach (var m in bed.Machines)
    {
        Console.WriteLine($"{m.Name}: nsenter -t {m.Leader} -a   (root {m.Root}, console {m.ConsoleLog})");
    }

    Console.WriteLine("running; press Enter to tear down");
    Console.ReadLine();
    return 0;
}

static async Task<int> RecipeAsync()
{
    var sw = Stopwatch.StartNew();
    await using var bed = await Testbed.StartAsync(ScenarioLoader.Load("blog-two-instances"), Console.WriteLine, imds: false);
    var i1 = bed["instance-1"];
    var i2 = bed["instance-2"];
    await HandRecipe.ApplyAsync(i1, IPNetwork.Parse("2001:db8:47b:ca03::8/126"), [Prefixed("2001:db8:47b:ca03::1:1/64")]);
    await HandRecipe.ApplyAsync(i2, IPNetwork.Parse("2001:db8:47b:ca03::c/126"), [Prefixed("2001:db8:47b:ca03::2:2/64")]);
    var c1 = await Testbed.StartContainerAsync(i1, "c1");
    var c2 = await Testbed.StartContainerAsync(i2, "c2");
    Console.WriteLine($"ens5 on instance-1: {string.Join(' ', await i1.AddressesAsync("ens5"))}");
    Console.WriteLine($"docker0 on instance-1: {string.Join(' ', await i1.AddressesAsync("docker0"))}");
    Console.WriteLine($"c1: {string.Join(' ', await Testbed.ContainerAddressesAsync(i1, c1))}  c2: {string.Join(' ', await Testbed.ContainerAddressesAsync(i2, c2))}");
    var ok = true;
    foreach (var (inst, c, target) in new[] { (i1, c1, "2001:db8:47b:ca03::e"), (i2, c2, "2001:db8:47b:ca03::a"), (i1, c1, bed.InternetHost.ToString()) })
    {
        var r = await Testbed.PingFromContainerAsync(inst, c, IPAddress.Parse(target));
        Console.WriteLine($"{inst.Name}/{c} → {target}: {(r.Ok ? "ok" : "FAILED")}\n{r.StdOut}{r.StdErr}");
        ok &= r.Ok;
    }

    Console.WriteLine($"{sw.Elapsed.TotalSeconds:F1} s");
    return ok ? 0 : 1;

    static PrefixedAddress Prefixed(string s) => PrefixedAddress.TryParse(s, out var p) ? p : throw new FormatException(s);
}
