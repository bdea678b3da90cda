using System.Net;
using System.Text.RegularExpressions;
using Ipv6Agent.Addressing;
using Ipv6Agent.Applying;
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
/// The gateway is pinged with the system <c>ping</c> (<c>ping -6 -c 1 -W 1 fe80::1%ens5</c>): it takes the zone by interface
/// name, needs no interface-index lookup in the agent's own network namespace, and the same command line runs in a test
/// namespace with <paramref name="pingCommand"/> = <c>ip netns exec NAME ping</c>.
/// </remarks>
/// <param name="pingCommand">The ping program (and any prefix); <c>ping</c> on a host.</param>
internal sealed partial class ConnectivityCheck(CommandRunner runner, ILogger<ConnectivityCheck> logger, TimeProvider time, string pingCommand = "ping")
{
    private static readonly TimeSpan RoundInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan ImdsAttemptTimeout = TimeSpan.FromSeconds(3);

    public async Task<ConnectivityResult> RunAsync(NetworkPlan plan, Func<CancellationToken, Task<bool>> imdsReachable, TimeSpan within,
        CancellationToken ct)
    {
        if (!InterfaceNameRegex().IsMatch(plan.InterfaceName))
            return new ConnectivityResult(false, $"interface name '{plan.InterfaceName}' is not a kernel interface name");
        var gateway = GatewayText(plan.Gateway, plan.InterfaceName);
        var started = time.GetTimestamp();
        string? gatewayOk = null, imdsOk = null;
        var gatewayWhy = "not tried";
        var imdsWhy = "not tried";
        while (true)
        {
            if (gatewayOk is null)
            {
                var ping = await runner.RunAsync("ping-gateway", $"{pingCommand} -6 -c 1 -W 1 {gateway}", TimeSpan.FromSeconds(5), ct)
                    .ConfigureAwait(false);
                if (ping.Succeeded) gatewayOk = Elapsed(started);
                else gatewayWhy = PingOutput.ErrorOf(ping.StandardError + ping.StandardOutput) ?? (ping.TimedOut ? "timed out" : "no reply");
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
}
