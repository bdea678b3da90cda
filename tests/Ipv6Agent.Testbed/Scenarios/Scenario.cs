using System.Net;
using Ipv6Agent.Addressing;

namespace Ipv6Agent.Testbed.Scenarios;

/// <summary>One simulated VPC and what the agent must make of it; loaded from <c>tests/scenarios/NAME.yaml</c>.</summary>
internal sealed record Scenario(
    string Name,
    string Description,
    string Region,
    IPNetwork Subnet,
    CloudInitFlavour CloudInit,
    IPAddress InternetHost,
    IReadOnlyDictionary<string, string> Files,
    IReadOnlyList<InstanceSpec> Instances,
    Faults Faults,
    Expectation Expect)
{
    /// <summary><c>prefix</c>: the agent runs with <c>provision: prefix</c> against the VPC's fake EC2 (issue 12); null: off.</summary>
    public string? Provision { get; init; }

    public InstanceSpec Instance(string name) =>
        Instances.FirstOrDefault(i => i.Name == name) ?? throw new TestbedException($"scenario {Name} has no instance {name}");
}

/// <summary>Which cloud-init wrote the image's <c>/etc/netplan/50-cloud-init.yaml</c>.</summary>
internal enum CloudInitFlavour
{
    /// <summary>Ubuntu 20.04/22.04 era: match + set-name, dhcp4 and dhcp6.</summary>
    Legacy,

    /// <summary>Current cloud-init: also every secondary IPv6 as a static address with the subnet's length.</summary>
    Current,
}

/// <summary>An EC2 instance with its primary ENI on <c>ens5</c>.</summary>
internal sealed record InstanceSpec(
    string Name,
    string Id,
    MacAddress Mac,
    string EniId,
    IReadOnlyList<IPAddress> Ipv6s,
    IReadOnlyList<IPNetwork> Ipv6Prefixes,
    IReadOnlyList<string> DockerdArgs,
    IReadOnlyDictionary<string, string> Files);

/// <summary>What goes wrong on purpose.</summary>
internal sealed record Faults(
    bool ImdsDown,
    IReadOnlyList<string> GatewayDead,
    IReadOnlyDictionary<string, string> KillAgentAt);

/// <summary>The outcome the end-to-end test asserts.</summary>
internal sealed record Expectation(
    int ExitCode,
    string Outcome,
    IReadOnlyDictionary<string, InstanceExpectation> Instances,
    IReadOnlyList<PingExpectation> Pings);

/// <summary>The addresses an instance must hold after the agent ran.</summary>
internal sealed record InstanceExpectation(
    IReadOnlyList<PrefixedAddress> Ens5,
    PrefixedAddress? Docker0,
    IPNetwork? ContainerIn);

/// <summary>A ping from a container on <see cref="From"/> that must be answered.</summary>
internal sealed record PingExpectation(string From, IPAddress To);
