using System.Net;
using Ipv6Agent.Addressing;
using Ipv6Agent.Configuration;
using Ipv6Agent.Imds;
using Ipv6Agent.Reporting;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Provisioning;

/// <summary>
/// <c>provision: prefix</c>: before planning, gives the chosen ENI a delegated /80 when it has none. EC2 is asked what
/// the ENI has (IMDS lags the API), the request is made at most once per ENI (recorded in <see cref="ProvisionState"/>),
/// and the pass then waits, bounded, until IMDS lists the prefix, so the plan is made from IMDS as always. Nothing here
/// touches the host's network or files but the agent's own state file; a failure is a sentence, and the pass plans as
/// if there were no prefix (a block, if the ENI has one).
/// </summary>
internal sealed partial class PrefixProvisioner(AgentOptions options, ImdsClient imds, TimeProvider time, ILogger<PrefixProvisioner> logger)
{
    public const string Action = "ec2-assign-prefix";

    /// <summary>Credentials, DescribeNetworkInterfaces and AssignIpv6Addresses with their retries: a hung API costs this, no more.</summary>
    public TimeSpan ApiBudget { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>How long IMDS may lag the API before the pass goes on without the prefix (the next pass picks it up).</summary>
    public TimeSpan ImdsWait { get; init; } = TimeSpan.FromSeconds(60);

    private readonly ProvisionState _state = new(options);

    public async Task<ProvisionOutcome> EnsureAsync(ImdsSnapshot snapshot, bool dryRun, CancellationToken ct)
    {
        var eni = snapshot.Interface;
        if (options.Provision != ProvisionMode.Prefix || options.Addressing == AddressingMode.Block || eni.Ipv6Prefixes.Count > 0)
            return ProvisionOutcome.Nothing(snapshot);
        if (dryRun)
        {
            LogWouldRequest(logger, eni.InterfaceId);
            return new ProvisionOutcome(snapshot, [Action], [], null,
                $"apply would first ask EC2 for a delegated prefix for {eni.InterfaceId} (provision: prefix); this dry run plans without one");
        }

        var requested = false;
        try
        {
            IPNetwork granted;
            using (var budget = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                budget.CancelAfter(ApiBudget);
                try
                {
                    (granted, requested) = await RequestOnceAsync(snapshot, budget.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new ProvisioningException(
                        $"EC2 did not answer within {ApiBudget.TotalSeconds:0} s (endpoint {Endpoint(snapshot.Region)}); the next pass asks EC2 what {eni.InterfaceId} has before it requests anything.");
                }
                catch (ImdsException e)
                {
                    throw new ProvisioningException($"cannot read the instance profile's credentials from IMDS: {e.Message}", e);
                }
            }

            ImdsSnapshot updated;
            try
            {
                updated = await WaitForImdsAsync(eni, granted, ct).ConfigureAwait(false);
            }
            catch (ImdsException e)
            {
                throw new ProvisioningException($"EC2 lists {Ipv6.Format(granted)} on {eni.InterfaceId}, but IMDS could not be read to see it: {e.Message}", e);
            }
            var check = new CheckReport(Action, true, requested
                ? $"EC2 delegated {Ipv6.Format(granted)} to {eni.InterfaceId}"
                : $"EC2 already lists {Ipv6.Format(granted)} on {eni.InterfaceId}");
            return new ProvisionOutcome(updated, requested ? [Action] : [], [check], null, null);
        }
        catch (ProvisioningException e)
        {
            LogFailed(logger, eni.InterfaceId, e.Message);
            return new ProvisionOutcome(snapshot, requested ? [Action] : [], [new CheckReport(Action, false, e.Message)], e.Message, null);
        }
    }

    /// <summary>The prefix EC2 lists for the ENI: one it already has, or the one this pass requested.</summary>
    private async Task<(IPNetwork Prefix, bool Requested)> RequestOnceAsync(ImdsSnapshot snapshot, CancellationToken ct)
    {
        var eniId = snapshot.Interface.InterfaceId;
        var credentials = await InstanceCredentials.ReadAsync(imds, ct).ConfigureAwait(false);
        using var api = new Ec2PrefixApi(options.Ec2, snapshot.Region, credentials, logger);

        // IMDS lags the API: a prefix granted a moment ago (by an earlier pass, a person, a restart mid-wait) is only in EC2's answer.
        var listed = await api.DescribePrefixesAsync(eniId, ct).ConfigureAwait(false);
        if (listed.Count > 0)
        {
            var first = listed.MinBy(p => Ipv6.ToUInt128(p.BaseAddress));
            LogAlreadyListed(logger, eniId, Ipv6.Format(first));
            return (first, false);
        }
        if (_state.Find(eniId) is { Prefix: { } earlier } entry)
            throw new ProvisioningException(
                $"the agent was delegated {earlier} for {eniId} at {entry.RequestedAt:u}, and EC2 no longer lists it; the agent asks only once per ENI. " +
                $"To let it ask again, delete {ProvisionState.HostPath}.");

        LogRequesting(logger, eniId, credentials.ToString());
        var granted = await api.AssignPrefixAsync(eniId, ct).ConfigureAwait(false);
        _state.Record(new ProvisionState.Entry(eniId, time.GetUtcNow(), Ipv6.Format(granted)));
        LogGranted(logger, eniId, Ipv6.Format(granted));
        return (granted, true);
    }

    /// <summary>
    /// Polls the ENI's <c>ipv6-prefix</c> in IMDS with growing pauses (0.25 s doubling to 4 s) until it lists
    /// <paramref name="prefix"/>, at most <see cref="ImdsWait"/>; then reads the whole snapshot once, validated as always.
    /// </summary>
    private async Task<ImdsSnapshot> WaitForImdsAsync(ImdsInterface eni, IPNetwork prefix, CancellationToken ct)
    {
        var key = ImdsPaths.InterfaceKey(eni.Mac, ImdsPaths.Ipv6Prefix);
        var started = time.GetTimestamp();
        var pause = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            var listed = await imds.GetAsync(key, ct).ConfigureAwait(false) ?? "";
            if (listed.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Any(line => Ipv6.TryParseNetwork(line, out var p) && p == prefix))
            {
                LogImdsCaughtUp(logger, Ipv6.Format(prefix), time.GetElapsedTime(started).TotalSeconds);
                return await imds.ReadSnapshotAsync(options.Interface, ct).ConfigureAwait(false);
            }
            if (time.GetElapsedTime(started) + pause > ImdsWait)
                throw new ProvisioningException(
                    $"EC2 lists {Ipv6.Format(prefix)} on {eni.InterfaceId}, but IMDS did not show it within {ImdsWait.TotalSeconds:0} s; the next pass uses it.");
            await Task.Delay(pause, time, ct).ConfigureAwait(false);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(4).Ticks));
        }
    }

    private string Endpoint(string region) => options.Ec2.Endpoint?.ToString() ?? Ec2PrefixApi.DualStackHost(region);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dry run: apply would ask EC2 for a delegated /80 for {Eni} (provision: prefix)")]
    private static partial void LogWouldRequest(ILogger logger, string eni);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Eni} has no delegated prefix: asking EC2 for one (AssignIpv6Addresses, Ipv6PrefixCount=1) with {Credentials}")]
    private static partial void LogRequesting(ILogger logger, string eni, string credentials);

    [LoggerMessage(Level = LogLevel.Information, Message = "EC2 delegated {Prefix} to {Eni}")]
    private static partial void LogGranted(ILogger logger, string eni, string prefix);

    [LoggerMessage(Level = LogLevel.Information, Message = "EC2 already lists {Prefix} on {Eni} (IMDS does not yet): no request, waiting for IMDS")]
    private static partial void LogAlreadyListed(ILogger logger, string eni, string prefix);

    [LoggerMessage(Level = LogLevel.Information, Message = "IMDS lists {Prefix} after {Seconds:0.0} s")]
    private static partial void LogImdsCaughtUp(ILogger logger, string prefix, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No delegated prefix for {Eni}, planning without one: {Reason}")]
    private static partial void LogFailed(ILogger logger, string eni, string reason);
}

/// <param name="Snapshot">IMDS as the plan should see it (with the prefix once IMDS lists it).</param>
/// <param name="Actions"><c>ec2-assign-prefix</c> when this pass requested a prefix (or, in a dry run, would).</param>
/// <param name="Checks">The request's outcome, for the report.</param>
/// <param name="Failure">Why there is no prefix, when the request failed: put before a planning error.</param>
/// <param name="Note">A dry run's sentence: what apply would do first.</param>
internal sealed record ProvisionOutcome(
    ImdsSnapshot Snapshot, IReadOnlyList<string> Actions, IReadOnlyList<CheckReport> Checks, string? Failure, string? Note)
{
    public static ProvisionOutcome Nothing(ImdsSnapshot snapshot) => new(snapshot, [], [], null, null);

    /// <summary>A planning error, with why no prefix was requested or granted in front of it.</summary>
    public string Explain(string planningError) =>
        Failure is { } f ? $"No delegated prefix: {f} Without one: {planningError}"
        : Note is { } n ? $"{char.ToUpperInvariant(n[0])}{n[1..]}. {planningError}"
        : planningError;
}
