using Ipv6Agent.Reporting;

namespace Ipv6Agent.Imds;

/// <summary>
/// What one HTTP exchange with IMDS gave: a status and body; or a transport error (timeout, refused, reset), worth
/// another try; or an answer that is not IMDS text (too large, not ASCII), which no retry will fix.
/// </summary>
internal sealed record ImdsReply(int Status, string Body, string? TtlHeader, string? Error, bool Malformed = false)
{
    public static ImdsReply Failed(string error) => new(0, "", null, error);

    /// <summary>IMDS answered, with something that is not an IMDS value: refused at once, never retried, never parsed.</summary>
    public static ImdsReply Refused(int status, string why) => new(status, "", null, why, Malformed: true);

    /// <summary>Worth another try: no answer at all, throttling, or a server error.</summary>
    public bool IsTransient => !Malformed && (Error is not null || Status == 429 || Status >= 500);

    /// <summary>For messages: <c>500</c> plus the start of the body, or the transport error; one line, control characters escaped.</summary>
    public string Describe()
    {
        if (Error is not null) return Malformed ? $"HTTP {Status} with {Error}" : Error;
        var body = SafeText.OneLine(Body.Trim());
        if (body.Length > 80) body = body[..80] + "…";
        return body.Length == 0 ? $"HTTP {Status}" : $"HTTP {Status} '{body}'";
    }
}
