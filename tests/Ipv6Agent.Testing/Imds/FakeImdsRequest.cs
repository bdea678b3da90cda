using System.Net;

namespace Ipv6Agent.Testing.Imds;

/// <summary>One request the fake IMDS answered, for tests to count and inspect.</summary>
/// <param name="Path">The full path, e.g. <c>/latest/meta-data/mac</c>.</param>
/// <param name="HadToken">Whether the request carried an <c>X-aws-ec2-metadata-token</c> header (valid or not).</param>
/// <param name="Connection">The server's id of the TCP connection it came on: kept-alive requests share one.</param>
public sealed record FakeImdsRequest(DateTimeOffset Time, string Method, string Path, bool HadToken, IPAddress? Source, int Status, string Connection)
{
    public bool IsTokenRequest => Method == "PUT" && Path == FakeImdsServer.TokenPath;
}
