namespace Ipv6Agent.Testing.Imds;

/// <summary>A canned answer that replaces what the fake would serve for a path.</summary>
public sealed record FakeResponse(int Status, string Body = "")
{
    public static FakeResponse NotFound { get; } = new(404, FakeMetadata.NotFoundBody);

    public static FakeResponse Ok(string body) => new(200, body);

    /// <summary>Sent as they are, after the fake's own headers (a hostile token lifetime, a charset).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Sent instead of <see cref="Body"/> when set: bytes that are not UTF-8, or a body of any size.</summary>
    public ReadOnlyMemory<byte>? Bytes { get; init; }

    /// <summary>When above zero, the body is sent one byte at a time with this pause before each (a slow-drip answer).</summary>
    public TimeSpan Drip { get; init; }
}
