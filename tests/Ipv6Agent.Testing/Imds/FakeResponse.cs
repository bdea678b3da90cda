namespace Ipv6Agent.Testing.Imds;

/// <summary>A canned answer that replaces what the fake would serve for a path.</summary>
public sealed record FakeResponse(int Status, string Body = "")
{
    public static FakeResponse NotFound { get; } = new(404, FakeMetadata.NotFoundBody);

    public static FakeResponse Ok(string body) => new(200, body);
}
