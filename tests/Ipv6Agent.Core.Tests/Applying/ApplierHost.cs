using System.Net;
using Ipv6Agent.Configuration;
using Ipv6Agent.Engine;
using Ipv6Agent.Firewall;
using Ipv6Agent.Imds;
using Ipv6Agent.Provisioning;
using Ipv6Agent.Reconciling;
using Ipv6Agent.Rendering;
using Ipv6Agent.Rendering.Apt;
using Ipv6Agent.Reporting;
using Ipv6Agent.Testing.Imds;
using Ipv6Agent.Verifying;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv6Agent.Applying;

/// <summary>
/// A host for <see cref="HostApplier"/>: real files under a scratch root (forwarding off, an old daemon.json and apt source), a
/// real fake IMDS, no Docker engine, and real shell commands as netplan apply and the Docker restart that log, one line per run,
/// the file they found: so a test sees what each run applied.
/// </summary>
internal sealed class ApplierHost : IAsyncDisposable
{
    public const string Netplan = "/etc/netplan/60-ipv6-agent.yaml";
    public const string Sysctl = "/etc/sysctl.d/60-ipv6-agent.conf";
    public const string Sources = "/etc/apt/sources.list";
    public const string DaemonJson = "/etc/docker/daemon.json";
    public const string OldSources = "deb http://us-east-1.ec2.archive.ubuntu.com/ubuntu noble main";
    public const string NewSources = "deb http://archive.ubuntu.com/ubuntu noble main";
    public const string OldDaemonJson = "{}";
    public const string NewDaemonJson = "{\"ipv6\": true}";

    private readonly List<IDisposable> _clients = [];

    private ApplierHost(FakeImdsServer imds, bool blog)
    {
        Imds = imds;
        Root.Put(HostApplier.ForwardingPath, "0\n");
        if (blog)
        {
            foreach (var (path, text) in BlogFiles) Root.Put(path, text);
            return;
        }

        Root.Put(Sources, OldSources + "\n");
        Root.Put(DaemonJson, OldDaemonJson + "\n");
    }

    public static async Task<ApplierHost> StartAsync() =>
        new(await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog)), blog: false);

    /// <summary>The blog's instance as EC2 leaves it after boot, for a whole pass (plan and render from these files).</summary>
    public static async Task<ApplierHost> StartBlogAsync(FakeInstance? instance = null) =>
        new(await FakeImdsServer.StartAsync(FakeImdsOptions.For(instance ?? FakeInstances.Blog)), blog: true);

    private static readonly (string Path, string Text)[] BlogFiles =
    [
        ("/etc/netplan/50-cloud-init.yaml", """
            network:
                ethernets:
                    ens5:
                        dhcp4: true
                        dhcp6: true
                        match:
                            macaddress: 12:fb:b4:8b:15:f8
                        set-name: ens5
                version: 2

            """),
        (DaemonJson, "{\n  \"log-driver\": \"json-file\"\n}\n"),
        (Sources, OldSources + "\n"),
        ("/etc/cloud/cloud.cfg", "datasource_list: [ Ec2 ]\n"),
        ("/sys/class/net/lo/address", "00:00:00:00:00:00\n"),
        ("/sys/class/net/ens5/address", FakeInstances.BlogMac + "\n"),
        ("/proc/net/ipv6_route",
            "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe80000000000000106630fffeb8c008 00000400 00000001 00000000 00000003     ens5\n"),
    ];

    public ScratchRoot Root { get; } = new();

    public FakeImdsServer Imds { get; }

    public string LogPath => Path.Join(Root.Path, "commands.log");

    /// <summary>One line per command run: its name and the (one-line) file it found.</summary>
    public IReadOnlyList<string> Runs => File.Exists(LogPath) ? File.ReadAllLines(LogPath) : [];

    public string Forwarding => File.ReadAllText(Root.Full(HostApplier.ForwardingPath));

    public bool HasJournal => File.Exists(Root.Full(PassJournal.HostPath));

    public string? Read(string hostPath) => File.Exists(Root.Full(hostPath)) ? File.ReadAllText(Root.Full(hostPath)) : null;

    /// <summary>A command line that logs "<paramref name="name"/> &lt;the file's line, or absent&gt;".</summary>
    public string Logs(string name, string hostPath) =>
        $"echo \"{name} $(cat {Root.Full(hostPath)} 2>/dev/null || echo absent)\" >> {LogPath}";

    public string NetplanLogs => Logs(HostApplier.NetplanApply, Netplan);

    public string DockerLogs => Logs(HostApplier.DockerRestart, DaemonJson);

    /// <summary>A pass's edits in every role; <paramref name="netplan"/>/<paramref name="docker"/> false: that file already converged.</summary>
    public static IReadOnlyList<FileEdit> Edits(bool netplan = true, bool docker = true) =>
    [
        netplan
            ? new FileEdit(Netplan, null, "new-netplan\n", FileModes.Private) { Role = FileRole.Netplan }
            : new FileEdit(Netplan, null, null, FileModes.Private) { Role = FileRole.Netplan },
        new FileEdit(Sysctl, null, "net.ipv6.conf.all.forwarding = 1\n") { Role = FileRole.Sysctl },
        new FileEdit(Sources, OldSources + "\n", NewSources + "\n") { Role = FileRole.Apt },
        new FileEdit(DaemonJson, OldDaemonJson + "\n", (docker ? NewDaemonJson : OldDaemonJson) + "\n") { Role = FileRole.Docker },
    ];

    public AgentOptions Options(string? netplanApply = null, string? dockerRestart = null) => new()
    {
        Root = Root.Path,
        Imds = new ImdsOptions { Endpoint = Imds.Endpoint },
        // The firewall's rules go nowhere: these tests run in this machine's own namespace.
        Commands = new CommandOptions
        {
            NetplanApply = netplanApply ?? NetplanLogs, DockerRestart = dockerRestart ?? DockerLogs, FirewallLoad = "cat >/dev/null",
            // A shell function, so the words the agent appends (DESTINATION dev DEVICE) are logged, never run by ip.
            RouteDelete = $"delete() {{ echo \"{StrayRoutes.Action} $*\" >> {LogPath}; }}; delete",
        },
        Docker = new DockerOptions { Endpoint = new Uri("unix:///nonexistent/ipv6-agent-test.sock") },
        Apt = new AptOptions { FixMirrors = MirrorFixMode.Always },
    };

    public HostApplier Applier(string? netplanApply = null, string? dockerRestart = null, bool gatewayAnswers = true) =>
        Applier(Options(netplanApply, dockerRestart), gatewayAnswers);

    public HostApplier Applier(AgentOptions options, bool gatewayAnswers = true)
    {
        var time = TimeProvider.System;
        var imds = new ImdsClient(options.Imds, time, NullLogger<ImdsClient>.Instance);
        _clients.Add(imds);
        var runner = new CommandRunner(NullLogger<CommandRunner>.Instance, time);
        return new HostApplier(options, imds, runner, Connectivity(gatewayAnswers),
            new EngineWaiter(NullLogger<EngineWaiter>.Instance, time), new PassJournal(options.Root, NullLogger<PassJournal>.Instance),
            time, NullLoggerFactory.Instance, NullLogger<HostApplier>.Instance)
        {
            ConnectivityWithin = TimeSpan.FromSeconds(2),
            EngineWithin = TimeSpan.FromSeconds(1),
        };
    }

    /// <summary>
    /// A whole pass on this root: the production parts wired as the service wires them, with this host's applier. A client
    /// made here is disposed with the host.
    /// </summary>
    public Reconciler Reconciler(AgentOptions options, ImdsClient? imds = null, PrefixProvisioner? provisioner = null)
    {
        var time = TimeProvider.System;
        if (imds is null)
        {
            imds = new ImdsClient(options.Imds, time, NullLogger<ImdsClient>.Instance);
            _clients.Add(imds);
        }

        return new Reconciler(options, imds,
            new DockerVersionReader(options, NullLogger<DockerVersionReader>.Instance),
            new MirrorCheck(options.Apt, time, NullLogger<MirrorCheck>.Instance),
            Applier(options),
            new DockerProbe(options.Docker.Endpoint, options.Root, NullLogger<DockerProbe>.Instance, time),
            new FirewallSync(options, new CommandRunner(NullLogger<CommandRunner>.Instance, time), NullLogger<FirewallSync>.Instance),
            new StatusStore(options, NullLogger<StatusStore>.Instance),
            time,
            NullLogger<Reconciler>.Instance,
            provisioner);
    }

    /// <summary>The check after netplan apply, with a gateway that answers or not (the one place that knows how it asks).</summary>
    private static ConnectivityCheck Connectivity(bool gatewayAnswers) =>
        new(new Icmpv6Echo(open => gatewayAnswers
                ? Icmpv6Echo.Open(IPAddress.IPv6Loopback, "lo") // a real echo, answered by this machine's loopback
                : new EchoSocket(null, IPAddress.IPv6Loopback, new EchoResult(false, false, "no reply within 1 s"))),
            NullLogger<ConnectivityCheck>.Instance, TimeProvider.System);

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients) client.Dispose();
        await Imds.DisposeAsync();
        Root.Dispose();
    }
}
