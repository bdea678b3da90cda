namespace Ipv6Agent.Imds;

/// <summary>An IMDSv2 session token and when the client stops trusting it.</summary>
internal sealed record ImdsToken(string Value, DateTimeOffset RenewAfter)
{
    /// <summary>
    /// Renew a little before IMDS would refuse the token, so a request never races the expiry:
    /// a minute early, or a tenth of the lifetime for short test TTLs.
    /// </summary>
    public static ImdsToken Issued(string value, DateTimeOffset now, TimeSpan ttl)
    {
        var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, ttl.Ticks / 10));
        return new ImdsToken(value, now + ttl - margin);
    }

    public bool IsFresh(DateTimeOffset now) => now < RenewAfter;
}
