namespace Ipv6Agent.Imds;

/// <summary>
/// How long the IMDS client waits and how often it tries. The defaults keep an IPv6-only instance fast
/// (the IPv4 endpoint fails within <see cref="ConnectTimeout"/>) and bound a whole request, retries included,
/// to about <see cref="TotalBudget"/>.
/// </summary>
internal sealed record ImdsRetryPolicy
{
    /// <summary>TCP connect timeout per endpoint; IMDS is one hop away, so a second is generous.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>One HTTP request, connect included.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Tries per request (the first one included) for timeouts, connection errors, 429 and 5xx.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>Delay before the second try; doubled for each further try, up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>No new try starts after this much time, and the last try is cut short to end by then.</summary>
    public TimeSpan TotalBudget { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Token lifetime asked for (IMDS allows 1 s to 6 h).</summary>
    public TimeSpan TokenTtl { get; init; } = TimeSpan.FromHours(6);

    public static ImdsRetryPolicy Default { get; } = new();

    /// <summary>The delay before try number <paramref name="attempt"/> (2 for the first retry).</summary>
    public TimeSpan DelayBefore(int attempt)
    {
        var factor = Math.Pow(2, Math.Max(0, attempt - 2));
        var delay = TimeSpan.FromTicks((long)Math.Min(BaseDelay.Ticks * factor, MaxDelay.Ticks));
        return delay;
    }
}
