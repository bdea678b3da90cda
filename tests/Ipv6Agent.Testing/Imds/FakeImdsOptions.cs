namespace Ipv6Agent.Testing.Imds;

/// <summary>What the fake IMDS serves and to whom.</summary>
public sealed record FakeImdsOptions
{
    /// <summary>Instances picked by the caller's source address (any of an instance's ENI <c>ipv6s</c> or its <see cref="FakeInstance.Sources"/>).</summary>
    public IReadOnlyList<FakeInstance> Instances { get; init; } = [];

    /// <summary>Answers callers no instance claims (loopback tests). <c>null</c>: such callers get 404 on the token PUT.</summary>
    public FakeInstance? DefaultInstance { get; init; }

    /// <summary>
    /// EC2's <c>--http-tokens optional</c>: a GET without a token (IMDSv1) is answered; a wrong or expired
    /// token is still 401. cloud-init uses IMDSv1 on a platform it does not identify as AWS (no DMI).
    /// </summary>
    public bool TokensOptional { get; init; }

    /// <summary>Clock for token expiry; share a fake one with the client to test renewal.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>A fake with one instance that answers everyone.</summary>
    public static FakeImdsOptions For(FakeInstance instance) => new() { DefaultInstance = instance };
}
