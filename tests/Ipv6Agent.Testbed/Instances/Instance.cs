using System.Net;
using System.Text.Json;
using Ipv6Agent.Addressing;
using Ipv6Agent.Testbed.Network;
using Ipv6Agent.Testbed.Scenarios;

namespace Ipv6Agent.Testbed.Instances;

/// <summary>
/// One EC2 instance: a network namespace with <c>ens5</c>, its own systemd-networkd fed by the real
/// <c>netplan generate</c>, its own dockerd, and a folder that is its <c>/etc</c>, <c>/run</c>,
/// <c>/var</c> (the agent's <c>root</c>). Daemons are started and stopped by the scripts in
/// <c>scripts/</c>, which are also the agent's <c>commands.*</c> stand-ins.
/// </summary>
internal sealed class Instance
{
    private readonly Scenario _scenario;

    public Instance(Scenario scenario, InstanceSpec spec, string ns, string port, string folder)
    {
        _scenario = scenario;
        Spec = spec;
        Namespace = ns;
        RouterPort = port;
        Folder = folder;
    }

    public InstanceSpec Spec { get; }

    public string Name => Spec.Name;

    public string Namespace { get; }

    public string RouterPort { get; }

    /// <summary>The instance's folder: <c>root/</c> (the agent's root), <c>docker/</c>, <c>log/</c>, <c>pids/</c>, scripts' state.</summary>
    public string Folder { get; }

    /// <summary>The agent's <c>root</c>: what <c>/</c> is on the instance for etc, run and var.</summary>
    public string Root => Path.Combine(Folder, "root");

    public string DockerSocket => Path.Combine(Folder, "docker", "docker.sock");

    public string ConfigPath => Path.Combine(Folder, "agent.yaml");

    /// <summary>A file as the instance sees it at <paramref name="hostPath"/>.</summary>
    public string PathOf(string hostPath) => CloudInit.RootedPath(Root, hostPath);

    private static string Script(string name) => Path.Combine(AppContext.BaseDirectory, "scripts", name);

    /// <summary>Lays down the image's files, as EC2 and cloud-init leave them before first boot.</summary>
    public void WriteImage(IReadOnlyList<string> probeTargets)
    {
        foreach (var d in new[] { "etc/netplan", "etc/docker", "etc/sysctl.d", "etc/apt/sources.list.d", "etc/cloud/cloud.cfg.d", "run", "var/lib", "sys", "proc" })
        {
            Directory.CreateDirectory(Path.Combine(Root, d));
        }

        foreach (var (path, text) in _scenario.Files.Concat(Spec.Files))
        {
            var full = PathOf(path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text.Replace("{mac}", Spec.Mac.ToString(), StringComparison.Ordinal));
        }

        if (!File.Exists(PathOf("/etc/cloud/cloud.cfg")))
        {
            // Ubuntu's EC2 images ship cloud-init; its main config is how a host knows it is there.
            File.WriteAllText(PathOf("/etc/cloud/cloud.cfg"), """
                # The top level settings are used as module and base configuration.
                users:
                  - default
                disable_root: true
                preserve_hostname: false
                datasource_list: [ Ec2, None ]
                cloud_init_modules:
                  - seed_random
                  - bootcmd
                  - write_files
                  - growpart
                  - resizefs
                  - set_hostname
                  - update_hostname
                  - update_etc_hosts
                  - ca_certs
                  - rsyslog
                  - users_groups
                  - ssh

                """);
        }

        if (!File.Exists(PathOf("/etc/docker/daemon.json")))
        {
            File.WriteAllText(PathOf("/etc/docker/daemon.json"), "{ \"storage-driver\": \"vfs\" }\n");
        }

        RenderCloudInit();
        Directory.CreateDirectory(Path.Combine(Folder, "ec2"));
        Directory.CreateDirectory(Path.Combine(Folder, "faults"));
        File.WriteAllLines(Path.Combine(Folder, "ec2", "dhcp6-addresses"), Spec.Ipv6s.Select(a => a.ToString()));
        File.WriteAllText(Path.Combine(Folder, "ec2", "router"), VpcRouter.Gateway + "\n");
        File.WriteAllText(Path.Combine(Folder, "instance.env"), $"""
            NS={Namespace}
            ROOT={Root}
            IFACE=ens5
            DOCKER_SOCK={DockerSocket}
            DOCKERD_ARGS="{string.Join(' ', Spec.DockerdArgs)}"
            SCRIPTS={Path.Combine(AppContext.BaseDirectory, "scripts")}
            VPC_NS={VpcNamespace}
            ROUTER_PORT={RouterPort}
            HOST_MNT=/proc/{Environment.ProcessId}/ns/mnt

            """);
        var targets = string.Join(", ", probeTargets.Select(t => $"\"{t}\""));
        File.WriteAllText(ConfigPath, $"""
            # ipv6-agent on {Name}: everything under root, commands are the testbed's stand-ins.
            root: {Root}
            imds:
              endpoint: auto
            apt:
              fix-mirrors: always
            probe:
              image: busybox:stable
              targets: [{targets}]
            commands:
              netplan-apply: {Script("netplan-apply")} {Folder}
              docker-restart: {Script("docker-restart")} {Folder}

            """);
        if (_scenario.Provision is { } provision)
        {
            File.AppendAllText(ConfigPath, $"provision: {provision}\nec2:\n  endpoint: http://[{VpcRouter.Ec2}]\n");
        }
    }

    public string VpcNamespace { get; init; } = "";

    /// <summary>cloud-init's network step: writes its netplan file unless network config is disabled.</summary>
    public bool RenderCloudInit()
    {
        if (CloudInit.NetworkConfigDisabled(Root))
        {
            return false;
        }

        var path = PathOf(CloudInit.NetplanPath);
        File.WriteAllText(path, CloudInit.RenderNetplan(_scenario.CloudInit, Spec, _scenario.Subnet.PrefixLength));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return true;
    }

    /// <summary>
    /// A boot: the kernel's network state from scratch, sysctl.d applied, cloud-init's renderer,
    /// netplan generate, networkd, EC2's DHCPv6 and RA answers, dockerd. With <paramref name="reboot"/>
    /// the running daemons and the kernel state of the previous boot go first.
    /// </summary>
    public async Task BootAsync(bool reboot)
    {
        if (reboot)
        {
            await RunScriptAsync("service-stop", "dockerd");
            await RunScriptAsync("service-stop", "networkd");
            await Cmd.RunAsync("ip", "-n", Namespace, "link", "del", "docker0");
            await Cmd.IpAsync(Namespace, "-6", "addr", "flush", "dev", "ens5", "scope", "global");
            foreach (var proto in new[] { "static", "ra", "boot" })
            {
                await Cmd.RunAsync("ip", "-n", Namespace, "-6", "route", "flush", "dev", "ens5", "proto", proto);
            }

            await Cmd.SysctlAsync(Namespace, "net.ipv6.conf.all.forwarding", "0");
            await Cmd.SysctlAsync(Namespace, "net.ipv6.conf.default.forwarding", "0");
            // The kernel forgets every firewall rule at a reboot.
            (await Cmd.RunAsync("ip", "netns", "exec", Namespace, "nft", "flush", "ruleset")).Check();
            RenderCloudInit();
        }
        else
        {
            await Cmd.IpAsync(Namespace, "link", "set", "lo", "up");
        }

        await ApplySysctlFilesAsync();
        (await RunScriptAsync("netplan-generate")).Check();
        (await RunScriptAsync("networkd-start")).Check();
        (await RunScriptAsync("ec2-link")).Check();
        await WaitOnlineAsync();
        await LoadBootFirewallAsync();
        (await RunScriptAsync("dockerd-start")).Check();
    }

    /// <summary>
    /// ipv6-agent-firewall.service, ordered before docker.service: the agent's closed rule set, when it saved one, so no
    /// container Docker restarts is open before the agent's first pass.
    /// </summary>
    private async Task LoadBootFirewallAsync()
    {
        var rules = PathOf("/var/lib/ipv6-agent/firewall-boot.nft");
        if (File.Exists(rules))
        {
            (await Cmd.RunAsync("ip", "netns", "exec", Namespace, "nft", "-f", rules)).Check();
        }
    }

    /// <summary>
    /// As network-online.target, which orders the agent's unit and docker.service: networkd counts an
    /// address as ready only once duplicate address detection has passed, so a boot goes on only when
    /// no address of the ENI is tentative. Until then the kernel picks the link-local address as the
    /// source towards the IMDS, and the IMDS cannot tell which instance asks.
    /// </summary>
    public async Task WaitOnlineAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var tentative = await Cmd.IpAsync(Namespace, "-6", "addr", "show", "dev", "ens5", "tentative");
            if (tentative.StdOut.Trim().Length == 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TestbedException($"{Name}: addresses on ens5 still tentative after 10 s (duplicate address detection):\n{tentative.StdOut}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>systemd-sysctl at boot: the net.* keys of <c>/etc/sysctl.d/*.conf</c>, in name order.</summary>
    private async Task ApplySysctlFilesAsync()
    {
        var folder = PathOf("/etc/sysctl.d");
        foreach (var file in Directory.GetFiles(folder, "*.conf").Order(StringComparer.Ordinal))
        {
            foreach (var line in File.ReadAllLines(file))
            {
                var t = line.Trim();
                if (t.Length == 0 || t[0] is '#' or ';' || !t.Contains('=', StringComparison.Ordinal))
                {
                    continue;
                }

                var key = t[..t.IndexOf('=', StringComparison.Ordinal)].Trim().TrimStart('-');
                var value = t[(t.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim();
                if (key.StartsWith("net.", StringComparison.Ordinal))
                {
                    await Cmd.SysctlAsync(Namespace, key, value);
                }
            }
        }
    }

    public Task<CmdResult> RunScriptAsync(string name, params string[] args) =>
        Cmd.RunAsync(Script(name), [Folder, .. args], TimeSpan.FromMinutes(2));

    /// <summary>Runs <c>ipv6-agent</c> inside the instance (see <c>scripts/agent</c>).</summary>
    public Task<CmdResult> AgentAsync(string agentExe, params string[] args) =>
        Cmd.RunAsync(Script("agent"), [Folder, agentExe, .. args], TimeSpan.FromMinutes(5));

    /// <summary>The docker CLI on this instance's engine.</summary>
    public Task<CmdResult> DockerAsync(params string[] args) =>
        Cmd.RunAsync("docker", ["-H", "unix://" + DockerSocket, .. args], TimeSpan.FromMinutes(2));

    /// <summary>The pid of the running dockerd, or null when none runs.</summary>
    public int? DockerdPid
    {
        get
        {
            var f = Path.Combine(Folder, "pids", "dockerd.pid");
            return File.Exists(f) && int.TryParse(File.ReadAllText(f).Trim(), out var p) && Directory.Exists($"/proc/{p}") ? p : null;
        }
    }

    /// <summary>The global addresses on <paramref name="device"/> as the kernel has them now.</summary>
    public async Task<IReadOnlyList<PrefixedAddress>> AddressesAsync(string device)
    {
        var r = await Cmd.RunAsync("ip", "-n", Namespace, "-j", "-6", "addr", "show", "dev", device, "scope", "global");
        if (!r.Ok)
        {
            return [];
        }

        using var doc = JsonDocument.Parse(r.StdOut);
        return [.. doc.RootElement.EnumerateArray()
            .SelectMany(l => l.GetProperty("addr_info").EnumerateArray())
            .Where(a => a.TryGetProperty("local", out _))
            .Select(a => new PrefixedAddress(IPAddress.Parse(a.GetProperty("local").GetString()!), a.GetProperty("prefixlen").GetInt32()))];
    }

    /// <summary>Pings from the instance itself (not a container); a few tries for neighbour discovery.</summary>
    public async Task<CmdResult> PingAsync(string target)
    {
        CmdResult r = null!;
        for (var i = 0; i < 3; i++)
        {
            r = await Cmd.RunAsync("ip", ["netns", "exec", Namespace, "ping", "-6", "-c", "2", "-W", "2", target], TimeSpan.FromSeconds(30));
            if (r.Ok) break;
        }

        return r;
    }

    /// <summary>Turns a fault of the scenario on for this instance (read by <c>scripts/fault-hook</c>).</summary>
    public void SetFault(string name, string value) =>
        File.WriteAllText(Path.Combine(Folder, "faults", name), value);

    public void ClearFault(string name) => File.Delete(Path.Combine(Folder, "faults", name));
}
