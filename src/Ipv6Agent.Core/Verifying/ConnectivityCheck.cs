using System.Net;
using System.Text.RegularExpressions;
using Ipv6Agent.Addressing;
using Ipv6Agent.Planning;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Verifying;

/// <summary>Whether the host still reaches its gateway and IMDS, and if not, which and why.</summary>
internal sealed record ConnectivityResult(bool Ok, string Detail);

/// <summary>
/// After <c>netplan apply</c>: confirms, within a bounded time, that the host still reaches IMDS and its link-local gateway
/// on the plan's interface. If not, the caller rolls the network files back.
/// </summary>
/// <remarks>
/// The gateway gets an ICMPv6 echo from the agent's own process (<see cref="Icmpv6Echo"/>), not from a <c>ping</c> program: a host
/// without one must not read as a host without its gateway. An echo that cannot be sent for a reason on this host (no
/// <c>CAP_NET_RAW</c>) is reported as "could not check", never as "did not answer".
/// </remarks>
internal sealed partial class ConnectivityCheck(Icmpv6Echo echo, ILogger<ConnectivityCheck> logger, TimeProvider time)
{
    /// <summary>
    /// Between rounds. Right after <c>netplan apply</c> the new address is tentative (duplicate address detection, 1–2 s) and
    /// IMDS cannot tell the host by its link-local source; a short round finds the end of DAD within a fifth of a second
    /// instead of half a second, at one token request per round.
    /// </summary>
    private static readonly TimeSpan RoundInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan ImdsAttemptTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan EchoTimeout = TimeSpan.FromSeconds(1);

    public async Task<ConnectivityResult> RunAsync(NetworkPlan plan, Func<CancellationToken, Task<bool>> imdsReachable, TimeSpan within,
        CancellationToken ct)
    {
        if (!InterfaceNameRegex().IsMatch(plan.InterfaceName))
            return new ConnectivityResult(false, $"interface name '{plan.InterfaceName}' is not a kernel interface name");
        var gateway = GatewayText(plan.Gateway, plan.InterfaceName);
        var started = time.GetTimestamp();
        string? gatewayOk = null, imdsOk = null, gatewayUnchecked = null;
        var gatewayWhy = "not tried";
        var imdsWhy = "not tried";
        while (true)
        {
            if (gatewayOk is null)
            {
                var reply = await echo.SendAsync(plan.Gateway, plan.InterfaceName, EchoTimeout, ct).ConfigureAwait(false);
                if (reply.Replied) gatewayOk = Elapsed(started);
                else if (reply.CouldNotCheck) gatewayUnchecked = reply.Detail;
                else gatewayWhy = reply.Detail;
            }

            if (gatewayUnchecked is not null)
            {
                // Asking again would not help, and the network is not to blame: say so, and let the caller keep the host safe.
                var detail = $"the agent could not check gateway {gateway}: {gatewayUnchecked}";
                LogUnchecked(logger, detail);
                return new ConnectivityResult(false, detail);
            }

            if (imdsOk is null)
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
                attempt.CancelAfter(ImdsAttemptTimeout);
                try
                {
                    if (await imdsReachable(attempt.Token).ConfigureAwait(false)) imdsOk = Elapsed(started);
                    else imdsWhy = "no answer";
                }
                catch (Exception e) when (!ct.IsCancellationRequested && e is not OutOfMemoryException)
                {
                    imdsWhy = e is OperationCanceledException ? $"no answer within {ImdsAttemptTimeout.TotalSeconds:0} s" : e.Message;
                }
            }

            if (gatewayOk is not null && imdsOk is not null)
            {
                var detail = $"gateway {gateway} answered after {gatewayOk}, IMDS after {imdsOk}";
                LogReachable(logger, detail);
                return new ConnectivityResult(true, detail);
            }

            if (time.GetElapsedTime(started) + RoundInterval >= within)
            {
                var parts = new List<string>();
                if (gatewayOk is null) parts.Add($"gateway {gateway} did not answer ping within {within.TotalSeconds:0} s ({gatewayWhy})");
                if (imdsOk is null) parts.Add($"IMDS did not answer within {within.TotalSeconds:0} s ({imdsWhy})");
                var detail = string.Join("; ", parts);
                LogUnreachable(logger, detail);
                return new ConnectivityResult(false, detail);
            }

            await Task.Delay(RoundInterval, time, ct).ConfigureAwait(false);
        }
    }

    internal static string GatewayText(IPAddress gateway, string interfaceName) =>
        gateway.IsIPv6LinkLocal ? $"{Ipv6.Format(new IPAddress(gateway.GetAddressBytes()))}%{interfaceName}" : Ipv6.Format(gateway);

    private string Elapsed(long started) => $"{time.GetElapsedTime(started).TotalSeconds:0.0} s";

    [GeneratedRegex(@"^[A-Za-z0-9_.@-]{1,15}$")]
    private static partial Regex InterfaceNameRegex();

    [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "Connectivity after netplan apply: {Detail}")]
    private static partial void LogReachable(ILogger logger, string detail);

    [LoggerMessage(EventId = 311, Level = LogLevel.Error, Message = "Connectivity lost after netplan apply: {Detail}")]
    private static partial void LogUnreachable(ILogger logger, string detail);

    [LoggerMessage(EventId = 312, Level = LogLevel.Error, Message = "Connectivity not checked after netplan apply: {Detail}")]
    private static partial void LogUnchecked(ILogger logger, string detail);
}
