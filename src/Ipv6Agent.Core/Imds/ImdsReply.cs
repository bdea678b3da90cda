namespace Ipv6Agent.Imds;

/// <summary>What one HTTP exchange with IMDS gave: a status and body, or a transport error (timeout, refused, reset).</summary>
internal sealed record ImdsReply(int Status, string Body, string? TtlHeader, string? Error)
{
    public static ImdsReply Failed(string error) => new(0, "", null, error);

    /// <summary>Worth another try: no answer at all, throttling, or a server error.</summary>
    public bool IsTransient => Error is not null || Status == 429 || Status >= 500;

    /// <summary>For messages: <c>500</c> plus the start of the body, or the transport error.</summary>
    public string Describe()
    {
        if (Error is not null) return Error;
        var body = Body.Trim().ReplaceLineEndings(" ");
        if (body.Length > 80) body = body[..80] + "…";
        return body.Length == 0 ? $"HTTP {Status}" : $"HTTP {Status} '{body}'";
    }
}
