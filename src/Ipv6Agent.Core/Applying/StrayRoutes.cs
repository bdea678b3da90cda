using System.Net;
using Ipv6Agent.Addressing;
using Ipv6Agent.Configuration;
using Ipv6Agent.Inspecting;
using Ipv6Agent.Planning;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Applying;

/// <summary>
/// Host routes left on the ENI for Docker's addresses. Before the agent's static netplan, DHCPv6 gave the ENI every address
/// of the block as a /128; on systemd 252 (Debian 12) <c>netplan apply</c> drops those addresses but the kernel keeps their
/// /128 routes until the lease would have ended (minutes), and while they last the host sends the containers' traffic out of
/// the ENI instead of to docker0. Only a /128 route inside the Docker CIDR, on the ENI, for an address the ENI no longer
/// holds, is deleted: anything else in the CIDR is someone's deliberate route and stays a failed <c>docker-route</c> check.
/// </summary>
internal sealed partial class StrayRoutes(AgentOptions options, CommandRunner commands, ILogger<StrayRoutes> logger)
{
    public const string Action = "delete-stray-route";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The stray host routes the kernel has now (read as the planner read it, <see cref="HostInspector"/>).</summary>
    public IReadOnlyList<IPNetwork> Find(NetworkPlan plan)
    {
        var routes = HostInspector.Routes(options);
        var held = HostInspector.Addresses(options)
            .Where(a => a.Device == plan.InterfaceName)
            .Select(a => a.Address.Address)
            .ToHashSet();
        return routes
            .Where(r => r.Device == plan.InterfaceName && r.Destination.PrefixLength == 128)
            .Where(r => plan.DockerCidr.Contains(r.Destination.BaseAddress) && !held.Contains(r.Destination.BaseAddress))
            .Select(r => r.Destination)
            .Distinct()
            .ToList();
    }

    /// <summary>Deletes each stray route; one that cannot be deleted is logged and left to the <c>docker-route</c> check.</summary>
    /// <returns>The routes deleted.</returns>
    public async Task<IReadOnlyList<IPNetwork>> RemoveAsync(NetworkPlan plan, CancellationToken ct)
    {
        var deleted = new List<IPNetwork>();
        foreach (var route in Find(plan))
        {
            // Both words are checked before they reach a shell: the address is formatted by IPAddress, the name is one the
            // planner accepted as a kernel interface name.
            var result = await commands.RunAsync(Action,
                $"{options.Commands.RouteDelete} {Ipv6.Format(route)} dev {plan.InterfaceName}", CommandTimeout, ct).ConfigureAwait(false);
            if (result.Succeeded)
            {
                deleted.Add(route);
                LogDeleted(logger, Ipv6.Format(route), plan.InterfaceName);
            }
            else
            {
                LogNotDeleted(logger, Ipv6.Format(route), plan.InterfaceName, result.Describe());
            }
        }
        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted the stray route {Route} on {Device}: DHCPv6 left it for an address that is now Docker's")]
    private static partial void LogDeleted(ILogger logger, string route, string device);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete the stray route {Route} on {Device}: {Detail}")]
    private static partial void LogNotDeleted(ILogger logger, string route, string device, string detail);
}
