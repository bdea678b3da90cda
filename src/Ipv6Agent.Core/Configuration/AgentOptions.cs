using Ipv6Agent.Addressing;

namespace Ipv6Agent.Configuration;

/// <summary>Everything <c>/etc/ipv6-agent/config.yaml</c> can say; every key is optional and its default is written here.</summary>
public sealed record AgentOptions
{
    public const string DefaultConfigPath = "/etc/ipv6-agent/config.yaml";

    /// <summary>Prefix for every file the agent reads or writes (tests, chroots).</summary>
    public string Root { get; init; } = "/";

    public ImdsOptions Imds { get; init; } = new();

    /// <summary><c>null</c>: the ENI with device-number 0 (IMDS <c>mac</c>).</summary>
    public MacAddress? Interface { get; init; }

    public AddressingMode Addressing { get; init; } = AddressingMode.Auto;

    /// <summary><c>prefix</c>: the agent asks EC2 for a delegated prefix when the ENI has none (issue 12).</summary>
    public ProvisionMode Provision { get; init; } = ProvisionMode.Off;

    public Ec2Options Ec2 { get; init; } = new();

    public AptOptions Apt { get; init; } = new();

    public ProbeOptions Probe { get; init; } = new();

    public ReconcileOptions Reconcile { get; init; } = new();

    public FirewallOptions Firewall { get; init; } = new();

    public CommandOptions Commands { get; init; } = new();

    public DockerOptions Docker { get; init; } = new();

    /// <summary>The host path <paramref name="hostPath"/> (absolute, as printed in reports) under <see cref="Root"/>.</summary>
    public string PathOf(string hostPath) => RootedPath.Combine(Root, hostPath);
}

/// <summary>Where a Docker-CIDR comes from.</summary>
public enum AddressingMode
{
    /// <summary>The delegated prefix if the ENI has one, else a block of its addresses.</summary>
    Auto,
    Prefix,
    Block,
}

public sealed record ImdsOptions
{
    public static readonly Uri Ipv4Endpoint = new("http://169.254.169.254");
    public static readonly Uri Ipv6Endpoint = new("http://[fd00:ec2::254]");

    /// <summary><c>null</c> (auto): <see cref="Ipv4Endpoint"/>, then <see cref="Ipv6Endpoint"/>.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>The endpoints to try, in order.</summary>
    public IReadOnlyList<Uri> Candidates => Endpoint is { } e ? [e] : [Ipv4Endpoint, Ipv6Endpoint];
}

public enum MirrorFixMode
{
    /// <summary>Only when the regional EC2 mirror has no AAAA record.</summary>
    Auto,
    Always,
    Never,
}

public sealed record AptOptions
{
    public MirrorFixMode FixMirrors { get; init; } = MirrorFixMode.Auto;
}

public sealed record ProbeOptions
{
    /// <summary>Pulled if missing; must contain <c>ping</c>.</summary>
    public string Image { get; init; } = "busybox:stable";

    /// <summary>Addresses or host names to ping from inside a probe container.</summary>
    public IReadOnlyList<string> Targets { get; init; } = [];
}

public sealed record ReconcileOptions
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);
}

public sealed record CommandOptions
{
    public string NetplanApply { get; init; } = "netplan apply";
    public string DockerRestart { get; init; } = "systemctl restart docker";

    /// <summary>Gets the agent's whole IPv6 rule set (an nft script) on stdin.</summary>
    public string FirewallLoad { get; init; } = "nft -f -";

    /// <summary>Prints the host's rule set as nft JSON (read only: stale Docker NAT66 rules, the <c>no-nat</c> check).</summary>
    public string FirewallRead { get; init; } = "nft -j list ruleset";

    /// <summary>Deletes one IPv6 route: the agent appends <c>DESTINATION dev DEVICE</c> (see <c>Applying/StrayRoutes</c>).</summary>
    public string RouteDelete { get; init; } = "ip -6 route del";
}

public sealed record DockerOptions
{
    public const string DefaultEndpoint = "unix:///var/run/docker.sock";

    // The first Uri a process builds costs ~7 ms (System.Private.Uri's start-up), and status builds options only to
    // learn the root: the default is made on first use, and equality is by the endpoint, made or not.
    private static Uri? _default;

    /// <summary>From <c>DOCKER_HOST</c> when set.</summary>
    public Uri Endpoint
    {
        get => field ?? (_default ??= new Uri(DefaultEndpoint));
        init;
    }

    public bool Equals(DockerOptions? other) => other is not null && Endpoint == other.Endpoint;

    public override int GetHashCode() => Endpoint.GetHashCode();
}
