using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Ipv6Agent.Engine;

namespace Ipv6Agent.Firewall;

/// <summary>
/// The running containers that have an address in Docker's CIDR, with the container ports they publish, from the engine's
/// container list (one request, whatever the number of containers). A port counts as published when Docker binds it to
/// any host address or port (<c>-p 8080:80</c>, <c>-p 127.0.0.1::80</c>, <c>-p 80</c>): Docker's routed-mode rule.
/// </summary>
internal static class DockerInventory
{
    /// <exception cref="DockerApiException">The engine refused.</exception>
    /// <exception cref="HttpRequestException">No engine answers.</exception>
    public static async Task<IReadOnlyList<PublishedContainer>> ReadAsync(Uri endpoint, IPNetwork cidr, CancellationToken ct)
    {
        using var session = await DockerConnection.ConnectAsync(endpoint, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        var containers = await session.Client.Containers.ListContainersAsync(new ContainersListParameters { All = false }, ct).ConfigureAwait(false);
        return FromList(containers, cidr);
    }

    /// <summary>Pure: the engine's answer in, the containers that matter out.</summary>
    public static IReadOnlyList<PublishedContainer> FromList(IEnumerable<ContainerListResponse> containers, IPNetwork cidr)
    {
        var result = new List<PublishedContainer>();
        foreach (var container in containers)
        {
            if (container.NetworkSettings?.Networks is not { } networks) continue;
            var ports = (container.Ports ?? [])
                .Where(p => p.PublicPort is > 0)
                .Select(p => ContainerPort.TryParseProtocol(p.Type, out var protocol) ? new ContainerPort(protocol, p.PrivatePort) : (ContainerPort?)null)
                .OfType<ContainerPort>()
                .Where(p => p.Port > 0)
                .Distinct()
                .Order()
                .ToList();
            var name = container.Names?.FirstOrDefault()?.TrimStart('/') ?? container.ID[..Math.Min(12, container.ID.Length)];
            // A container has one address per network; only the ones in Docker's CIDR are public (docker0's).
            foreach (var endpoint in networks.Values)
            {
                if (IPAddress.TryParse(endpoint?.GlobalIPv6Address, out var address) && cidr.Contains(address))
                    result.Add(new PublishedContainer(name, address, ports));
            }
        }
        return result;
    }
}
