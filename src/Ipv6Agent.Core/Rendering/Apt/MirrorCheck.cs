using System.Net;
using System.Net.Sockets;
using Ipv6Agent.Configuration;
using Ipv6Agent.Inspecting;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Rendering.Apt;

/// <summary>
/// The apt stage's one question to the outside, asked before the pure rendering: should the sources move from the regional
/// EC2 mirrors to the global ones (<c>apt.fix-mirrors</c>)? <c>auto</c>: only when a source file names a regional mirror and
/// that name has no AAAA record (a failed lookup counts as none). On a converged host no file names one any more, so no
/// lookup happens; a mirror that has one keeps its name, so its answer is remembered for an hour, not asked every pass.
/// </summary>
/// <param name="lookup">Whether a name has an AAAA record; DNS unless a test gives its own.</param>
internal sealed partial class MirrorCheck(AptOptions options, TimeProvider time, ILogger<MirrorCheck> logger,
    Func<string, CancellationToken, Task<bool>>? lookup = null)
{
    /// <summary>Far shorter than mirrors change their addressing.</summary>
    internal static readonly TimeSpan CacheFor = TimeSpan.FromHours(1);

    private static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(3);

    private readonly Func<string, CancellationToken, Task<bool>> _lookup = lookup ?? HasAaaaAsync;
    private readonly Dictionary<string, (bool HasAaaa, long At)> _known = new(StringComparer.OrdinalIgnoreCase);

    public async Task<bool> ShouldFixMirrorsAsync(string region, HostSnapshot host, CancellationToken cancellationToken)
    {
        switch (options.FixMirrors)
        {
            case MirrorFixMode.Always: return true;
            case MirrorFixMode.Never: return false;
        }
        IReadOnlyList<string> hosts;
        try
        {
            hosts = AptSourcesRenderer.RegionalMirrorHosts(region);
        }
        catch (ArgumentException)
        {
            // IMDS's region is validated there; never let a strange one become a DNS query.
            return false;
        }
        var named = hosts
            .Where(name => host.Files.Where(f => f.Key.StartsWith("/etc/apt/", StringComparison.Ordinal))
                                     .Any(f => f.Value.Contains(name, StringComparison.OrdinalIgnoreCase)))
            .ToList();
        foreach (var name in named)
        {
            if (!await HasAaaaCachedAsync(name, cancellationToken).ConfigureAwait(false))
            {
                LogMirrorWithoutIpv6(logger, name);
                return true;
            }
        }
        return false;
    }

    private async Task<bool> HasAaaaCachedAsync(string name, CancellationToken cancellationToken)
    {
        lock (_known)
        {
            if (_known.TryGetValue(name, out var known) && time.GetElapsedTime(known.At) < CacheFor) return known.HasAaaa;
        }
        var hasAaaa = await _lookup(name, cancellationToken).ConfigureAwait(false);
        lock (_known) _known[name] = (hasAaaa, time.GetTimestamp());
        return hasAaaa;
    }

    private static async Task<bool> HasAaaaAsync(string name, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(LookupTimeout);
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(name, AddressFamily.InterNetworkV6, timeout.Token).ConfigureAwait(false);
            return addresses.Length > 0;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The regional mirror {Host} has no AAAA record: apt sources will use the global mirrors, which have IPv6")]
    private static partial void LogMirrorWithoutIpv6(ILogger logger, string host);
}
