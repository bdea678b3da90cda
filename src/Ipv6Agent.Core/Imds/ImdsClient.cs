using Ipv6Agent.Addressing;
using Ipv6Agent.Configuration;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Imds;

/// <summary>
/// Reads what the agent needs from the EC2 instance metadata service (IMDSv2 only).
/// One pass is one token (cached for its lifetime) and a handful of concurrent reads.
/// </summary>
internal sealed class ImdsClient : IDisposable
{
    private readonly ImdsConnection _connection;

    /// <param name="candidates">Endpoints to try in order; the first that answers is used from then on.</param>
    /// <param name="time">Clock for the token's lifetime; timeouts and retry delays are wall-clock, set by <paramref name="policy"/>.</param>
    /// <param name="handler">For tests; by default a handler with a short connect timeout and no proxy.</param>
    /// <param name="policy">Timeouts and retries; <see cref="ImdsRetryPolicy.Default"/> when <c>null</c>.</param>
    public ImdsClient(
        IReadOnlyList<Uri> candidates, TimeProvider time, ILogger<ImdsClient> logger,
        HttpMessageHandler? handler = null, ImdsRetryPolicy? policy = null)
    {
        _connection = new ImdsConnection(candidates, time, logger, handler, policy ?? ImdsRetryPolicy.Default);
    }

    public ImdsClient(ImdsOptions options, TimeProvider time, ILogger<ImdsClient> logger)
        : this(options.Candidates, time, logger)
    {
    }

    /// <summary>The endpoint that answered, once one has; <c>null</c> before the first successful token.</summary>
    public Uri? Endpoint => _connection.Endpoint;

    /// <summary>
    /// Reads the instance and the chosen ENI (<paramref name="interfaceMac"/>, else the primary one) and validates them.
    /// Throws <see cref="ImdsException"/> when IMDS cannot be read or says something impossible; never returns a partial snapshot.
    /// </summary>
    public async Task<ImdsSnapshot> ReadSnapshotAsync(MacAddress? interfaceMac, CancellationToken ct)
    {
        // One token for the whole pass, obtained before the reads fan out so they do not race to get one each.
        await _connection.EnsureTokenAsync(ct).ConfigureAwait(false);
        var instanceId = RequiredAsync(ImdsPaths.InstanceId, ct);
        var region = RequiredAsync(ImdsPaths.Region, ct);
        var primaryMac = RequiredAsync(ImdsPaths.PrimaryMac, ct);
        var instance = Task.WhenAll(instanceId, region, primaryMac);

        MacAddress mac;
        if (interfaceMac is { } configured)
        {
            mac = configured;
        }
        else
        {
            await instance.ConfigureAwait(false);
            mac = ImdsParser.Mac(ImdsPaths.PrimaryMac, primaryMac.Result);
        }
        var eni = ReadInterfaceAsync(mac, ct);
        await Task.WhenAll(instance, eni).ConfigureAwait(false);

        var e = eni.Result;
        return ImdsParser.Snapshot(new ImdsRawSnapshot(
            instanceId.Result, region.Result, primaryMac.Result, mac,
            e.DeviceNumber, e.InterfaceId, e.Ipv6s, e.Ipv6Prefix, e.SubnetIpv6Cidrs, e.LocalIpv4s));
    }

    /// <summary>
    /// After a network change: can a fresh token still be obtained within <paramref name="timeout"/>?
    /// Network errors and timeouts are <c>false</c>; only cancellation of <paramref name="ct"/> throws.
    /// </summary>
    public Task<bool> IsReachableAsync(TimeSpan timeout, CancellationToken ct) => _connection.CanGetTokenAsync(timeout, ct);

    /// <summary>One key under <c>/latest/meta-data/</c> as text, <c>null</c> for 404 (the instance profile's credentials).</summary>
    internal async Task<string?> GetAsync(string key, CancellationToken ct)
    {
        await _connection.EnsureTokenAsync(ct).ConfigureAwait(false);
        return await _connection.GetAsync(key, ct).ConfigureAwait(false);
    }

    private async Task<RawInterface> ReadInterfaceAsync(MacAddress mac, CancellationToken ct)
    {
        var deviceNumber = _connection.GetAsync(ImdsPaths.InterfaceKey(mac, ImdsPaths.DeviceNumber), ct);
        var interfaceId = _connection.GetAsync(ImdsPaths.InterfaceKey(mac, ImdsPaths.InterfaceId), ct);
        var ipv6s = _connection.GetAsync(ImdsPaths.InterfaceKey(mac, ImdsPaths.Ipv6s), ct);
        var prefix = _connection.GetAsync(ImdsPaths.InterfaceKey(mac, ImdsPaths.Ipv6Prefix), ct);
        var subnets = _connection.GetAsync(ImdsPaths.InterfaceKey(mac, ImdsPaths.SubnetIpv6Cidrs), ct);
        var ipv4s = _connection.GetAsync(ImdsPaths.InterfaceKey(mac, ImdsPaths.LocalIpv4s), ct);
        await Task.WhenAll(deviceNumber, interfaceId, ipv6s, prefix, subnets, ipv4s).ConfigureAwait(false);

        // Every attached ENI has these two; their absence means the MAC is not one of this instance's ENIs.
        if (deviceNumber.Result is null || interfaceId.Result is null)
            throw await MissingInterfaceKeyAsync(mac, deviceNumber.Result is null ? ImdsPaths.DeviceNumber : ImdsPaths.InterfaceId, ct).ConfigureAwait(false);
        return new RawInterface(deviceNumber.Result, interfaceId.Result, ipv6s.Result, prefix.Result, subnets.Result, ipv4s.Result);
    }

    private async Task<ImdsException> MissingInterfaceKeyAsync(MacAddress mac, string key, CancellationToken ct)
    {
        var listing = await _connection.GetAsync(ImdsPaths.Macs, ct).ConfigureAwait(false);
        var attached = listing is null ? [] : ImdsParser.MacListing(listing);
        return attached.Contains(mac)
            ? new ImdsException(ImdsMessages.MissingKey(ImdsPaths.InterfaceKey(mac, key)))
            : new ImdsException(ImdsMessages.UnknownMac(mac, attached));
    }

    private async Task<string> RequiredAsync(string key, CancellationToken ct) =>
        await _connection.GetAsync(key, ct).ConfigureAwait(false) ?? throw new ImdsException(ImdsMessages.MissingKey(key));

    public void Dispose() => _connection.Dispose();

    private sealed record RawInterface(string DeviceNumber, string InterfaceId, string? Ipv6s, string? Ipv6Prefix, string? SubnetIpv6Cidrs, string? LocalIpv4s);
}
