using System.Diagnostics;
using System.Net;
using Ipv6Agent.Testbed.Cleanup;
using Ipv6Agent.Testbed.Instances;
using Ipv6Agent.Testbed.Network;
using Ipv6Agent.Testbed.Scenarios;
using Ipv6Agent.Testing.Docker;

namespace Ipv6Agent.Testbed;

/// <summary>
/// A running simulated VPC for one scenario. <see cref="StartAsync"/> builds it (router, internet
/// host, IMDS, instances booted into the state EC2 leaves); disposing it removes every namespace,
/// daemon and file it made, also when the build failed half-way.
/// </summary>
internal sealed class Testbed : IAsyncDisposable
{
    private readonly List<Instance> _instances = [];
    private readonly List<BootedMachine> _machines = [];
    private readonly Booted? _booted;
    private Process? _imds;
    private bool _disposed;

    private Testbed(Scenario scenario, string run, Booted? booted)
    {
        _booted = booted;
        Scenario = scenario;
        Run = run;
        Folder = Path.Combine("/tmp", run);
        Router = new VpcRouter(run + "-vpc", run + "-net");
    }

    public Scenario Scenario { get; }

    /// <summary><c>tb-XXXXXX</c>: the prefix of every namespace of this run, and its folder under /tmp.</summary>
    public string Run { get; }

    public string Folder { get; }

    public VpcRouter Router { get; }

    public IReadOnlyList<Instance> Instances => _instances;

    /// <summary>The booted instances (empty unless started with <see cref="Booted"/>).</summary>
    public IReadOnlyList<BootedMachine> Machines => _machines;

    public BootedMachine Machine(string name) =>
        _machines.FirstOrDefault(m => m.Name == name) ?? throw new TestbedException($"no booted instance {name}");

    public Instance this[string name] =>
        _instances.FirstOrDefault(i => i.Name == name) ?? throw new TestbedException($"no instance {name}");

    public IPAddress InternetHost => Scenario.InternetHost;

    /// <summary>Fails with a plain sentence when the testbed cannot run here.</summary>
    public static void RequireRoot()
    {
        if (Environment.UserName != "root" && !string.Equals(Environment.GetEnvironmentVariable("USER"), "root", StringComparison.Ordinal)
            && GetEuid() != 0)
        {
            throw new TestbedException("the simulated VPC needs root (network namespaces, dockerd, networkd): run as root, e.g. sudo");
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();

    /// <param name="imds">false: no IMDS (for what does not need the agent).</param>
    /// <param name="booted">Boot each instance as a machine of this stack instead of a namespace instance.</param>
    public static async Task<Testbed> StartAsync(Scenario scenario, Action<string>? progress = null, bool imds = true, Booted? booted = null)
    {
        RequireRoot();
        await Sweeper.SweepOrphansAsync();
        var bed = new Testbed(scenario, Sweeper.Prefix + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)), booted);
        try
        {
            await bed.BuildAsync(progress ?? (_ => { }), imds);
            return bed;
        }
        catch
        {
            await bed.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync(Action<string> progress, bool imds)
    {
        Directory.CreateDirectory(Folder);
        await File.WriteAllTextAsync(Path.Combine(Folder, "owner.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        progress($"VPC router {Router.Namespace}, internet host {InternetHost}");
        await Router.CreateAsync(InternetHost);

        var ports = new List<(string, InstanceSpec)>();
        var index = 0;
        foreach (var spec in Scenario.Instances)
        {
            index++;
            var ns = $"{Run}-i{index}";
            var port = $"p{index}";
            await Cmd.CheckAsync("ip", "netns", "add", ns);
            if (_booted is { } b)
            {
                _machines.Add(new BootedMachine(spec, b.Stack, ns, Path.Combine(Folder, spec.Name), b.Rootfs));
                await Router.AttachAsync(ns, port, spec, index);
                ports.Add((port, spec));
                continue;
            }

            var instance = new Instance(Scenario, spec, ns, port, Path.Combine(Folder, spec.Name)) { VpcNamespace = Router.Namespace };
            _instances.Add(instance);
            await Router.AttachAsync(ns, port, spec, index);
            ports.Add((port, spec));
        }

        await Router.ProxyNeighboursAsync(ports);
        if (_booted is { } booted)
        {
            await BootMachinesAsync(booted, progress);
            return;
        }

        if (imds && !Scenario.Faults.ImdsDown)
        {
            progress($"IMDS at http://[{VpcRouter.Imds}]");
            await StartImdsAsync();
        }

        foreach (var instance in _instances)
        {
            progress($"booting {instance.Name} ({instance.Namespace}): networkd, dockerd");
            instance.WriteImage([InternetHost.ToString()]);
            await instance.BootAsync(reboot: false);
            await ProbeImage.EnsureAsync(new Uri("unix://" + instance.DockerSocket), Path.Combine(Folder, "probe"));
            foreach (var name in Scenario.Faults.GatewayDead.Where(n => n == instance.Name))
            {
                instance.SetFault("gateway-dead", "1");
            }

            if (Scenario.Faults.KillAgentAt.TryGetValue(instance.Name, out var point))
            {
                instance.SetFault("kill-agent-at", point);
            }
        }
    }

    /// <summary>
    /// Booted instances: the release on the VPC's web server, each machine's user data (the shipped
    /// file with its placeholders filled), the IMDS with RAs and DHCPv6, then every machine booted
    /// (in parallel) until cloud-init has run the user data.
    /// </summary>
    private async Task BootMachinesAsync(Booted booted, Action<string> progress)
    {
        var serve = Path.Combine(Folder, "booted");
        Directory.CreateDirectory(Path.Combine(serve, "releases"));
        Directory.CreateDirectory(Path.Combine(serve, "user-data"));
        var tarball = Path.GetFileName(booted.ReleaseTarball);
        File.Copy(booted.ReleaseTarball, Path.Combine(serve, "releases", tarball));
        string sha;
        await using (var stream = File.OpenRead(booted.ReleaseTarball))
        {
            sha = Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(stream));
        }

        var userData = UserData.Fill(await File.ReadAllTextAsync(booted.UserDataTemplate), new Uri($"http://[{VpcRouter.Releases}]/{tarball}"), sha);
        foreach (var m in _machines)
        {
            await File.WriteAllTextAsync(Path.Combine(serve, "user-data", m.Name), userData);
        }

        progress($"IMDS at http://[{VpcRouter.Imds}], release at http://[{VpcRouter.Releases}]/{tarball}, RAs and DHCPv6 on every port");
        await StartImdsAsync(serve);
        var files = Scenario.Files.Where(f => f.Key == "/etc/docker/daemon.json").ToDictionary();
        await Task.WhenAll(_machines.Select(async m =>
        {
            await m.PrepareAsync(files);
            progress($"booting {m.Name} ({booted.Stack}, {m.Namespace})");
            await m.BootAsync();
            progress($"{m.Name} up in {m.LastBootTime.TotalSeconds:F0} s; waiting for cloud-init");
            var status = await m.CloudInitDoneAsync(TimeSpan.FromMinutes(8));
            progress($"{m.Name}: cloud-init {status.StdOut.Split('\n').FirstOrDefault(l => l.StartsWith("status:", StringComparison.Ordinal))?.Trim()}");
        }));
    }

    private async Task StartImdsAsync(string? booted = null)
    {
        var dll = typeof(Testbed).Assembly.Location;
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var log = Path.Combine(Folder, "imds.log");
        var scenarioFile = Path.Combine(Folder, "scenario.yaml");
        File.Copy(Path.Combine(ScenarioLoader.Folder, Scenario.Name + ".yaml"), scenarioFile, overwrite: true);
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        string[] extra = booted is null ? [] : ["--booted", booted];
        string[] arguments = ["netns", "exec", Router.Namespace, dotnet, dll, "imds", scenarioFile, $"http://[{VpcRouter.Imds}]:80", .. extra];
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        _imds = Process.Start(psi) ?? throw new TestbedException("cannot start the IMDS");
        await File.WriteAllTextAsync(Path.Combine(Folder, "imds.pid"), _imds.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var ready = new TaskCompletionSource();
        _imds.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                File.AppendAllText(log, line + "\n");
                if (line.Contains("listening", StringComparison.Ordinal)) ready.TrySetResult();
            }
        };
        _imds.ErrorDataReceived += (_, e) => { if (e.Data is { } line) File.AppendAllText(log, line + "\n"); };
        _imds.BeginOutputReadLine();
        _imds.BeginErrorReadLine();
        var done = await Task.WhenAny(ready.Task, _imds.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(30)));
        if (done != ready.Task)
        {
            throw new TestbedException($"the IMDS did not start: {(File.Exists(log) ? await File.ReadAllTextAsync(log) : "no output")}");
        }
    }

    /// <summary>Runs a long-lived container on an instance; returns its name.</summary>
    public static async Task<string> StartContainerAsync(Instance instance, string name)
    {
        (await instance.DockerAsync("run", "-d", "--name", name, ProbeImage.DefaultTag, "sleep", "3600")).Check();
        return name;
    }

    /// <summary>The global IPv6 addresses of a container's eth0.</summary>
    public static async Task<IReadOnlyList<IPAddress>> ContainerAddressesAsync(Instance instance, string container)
    {
        var r = (await instance.DockerAsync("exec", container, "ip", "-6", "-o", "addr", "show", "dev", "eth0", "scope", "global")).Check();
        return [.. r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => f[Array.IndexOf(f, "inet6") + 1].Split('/')[0])
            .Select(IPAddress.Parse)];
    }

    /// <summary>Pings from inside a container; a few tries, since the first packets can be lost to neighbour discovery.</summary>
    public static async Task<CmdResult> PingFromContainerAsync(Instance instance, string container, IPAddress target)
    {
        CmdResult r = null!;
        for (var i = 0; i < 3; i++)
        {
            r = await instance.DockerAsync("exec", container, "ping", "-6", "-c", "2", "-W", "2", target.ToString());
            if (r.Ok) break;
        }

        return r;
    }

    /// <summary>Stops the IMDS (a fault injected while running).</summary>
    public void StopImds()
    {
        if (_imds is { HasExited: false })
        {
            _imds.Kill(entireProcessTree: true);
            _imds.WaitForExit(5000);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        // Graceful first (dockerd stops its containers and containerd), then the sweeper for the rest.
        foreach (var instance in _instances)
        {
            try
            {
                var ids = await instance.DockerAsync("ps", "-aq");
                var list = ids.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                if (ids.Ok && list.Length > 0) await instance.DockerAsync(["rm", "-f", .. list]);
                await instance.RunScriptAsync("service-stop", "dockerd");
                await instance.RunScriptAsync("service-stop", "networkd");
            }
            catch (TestbedException)
            {
                // the sweeper below kills whatever did not stop
            }
        }

        await Task.WhenAll(_machines.Select(m => m.DisposeAsync().AsTask()));

        StopImds();
        _imds?.Dispose();
        await Sweeper.SweepAsync(Run);
    }
}

/// <summary>How to boot a testbed's instances as machines.</summary>
/// <param name="Rootfs">The cached tree of <paramref name="Stack"/> (scripts/booted-rootfs.sh).</param>
/// <param name="ReleaseTarball">packaging/build-release.sh's tarball, served inside the VPC.</param>
/// <param name="UserDataTemplate">packaging/cloud-init/user-data.yaml.</param>
internal sealed record Booted(Stack Stack, string Rootfs, string ReleaseTarball, string UserDataTemplate);

/// <summary>The shipped user data with its two placeholders filled, as a user does.</summary>
internal static class UserData
{
    public const string UrlPlaceholder = ">>> https://example.invalid/releases/ipv6-agent_VERSION.tar.gz <<<";
    public const string ShaPlaceholder = ">>> SHA-256 OF THAT TARBALL <<<";

    public static string Fill(string template, Uri url, string sha256)
    {
        if (!template.Contains(UrlPlaceholder, StringComparison.Ordinal) || !template.Contains(ShaPlaceholder, StringComparison.Ordinal))
        {
            throw new TestbedException($"the user data template lacks its placeholders '{UrlPlaceholder}' and '{ShaPlaceholder}'");
        }

        return template.Replace(UrlPlaceholder, url.ToString(), StringComparison.Ordinal).Replace(ShaPlaceholder, sha256, StringComparison.Ordinal);
    }
}
