using System.Net;

namespace Ipv6Agent.Firewall;

/// <summary>A running container with its own address in Docker's CIDR, and the container ports it publishes (<c>-p</c>).</summary>
/// <param name="Name">Docker's name for it, for people reading the rule set.</param>
internal sealed record PublishedContainer(string Name, IPAddress Address, IReadOnlyList<ContainerPort> Ports);
