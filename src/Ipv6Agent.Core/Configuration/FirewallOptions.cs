using Ipv6Agent.Firewall;

namespace Ipv6Agent.Configuration;

/// <summary>What reaches a container's public IPv6 address from outside the host (<c>firewall:</c> in config.yaml).</summary>
public sealed record FirewallOptions
{
    public FirewallMode Mode { get; init; } = FirewallMode.Published;

    /// <summary>Ports open on every container, whatever it publishes (<c>tcp/22</c>, <c>udp/51820</c>).</summary>
    public IReadOnlyList<ContainerPort> Allow { get; init; } = [];

    public bool Equals(FirewallOptions? other) => other is not null && Mode == other.Mode && Allow.SequenceEqual(other.Allow);

    public override int GetHashCode() => HashCode.Combine(Mode, Allow.Count);
}

public enum FirewallMode
{
    /// <summary>Docker's routed-mode semantics: only published ports, <c>firewall.allow</c> and ICMPv6 reach a container.</summary>
    Published,

    /// <summary>No filter: every port of every container is reachable (the security group is the only filter).</summary>
    Open,
}
