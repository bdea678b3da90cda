using Docker.DotNet;

namespace Ipv6Agent.Engine;

/// <summary>A client pinned to an API version the engine speaks, and what the engine said about itself.</summary>
internal sealed record DockerSession(DockerClient Client, string EngineVersion, Version ApiVersion) : IDisposable
{
    public void Dispose() => Client.Dispose();
}

/// <summary>
/// Connects to the engine and negotiates the API version, as the docker CLI does: Docker.DotNet models a much newer API
/// than the engines the agent meets (Debian's 20.10 speaks 1.41), so every request is pinned to
/// min(engine's version, <see cref="ClientMaxApiVersion"/>), asked with an unversioned <c>GET /version</c>, which every engine answers.
/// </summary>
internal static class DockerConnection
{
    /// <summary>The newest API the bundled Docker.DotNet models (engine 29).</summary>
    public static readonly Version ClientMaxApiVersion = new(1, 52);

    public static async Task<DockerSession> ConnectAsync(Uri endpoint, TimeSpan requestTimeout, CancellationToken ct)
    {
        Version api;
        string engine;
        using (var unversioned = Build(endpoint, requestTimeout, apiVersion: null))
        {
            var version = await unversioned.System.GetVersionAsync(ct).ConfigureAwait(false);
            engine = version.Version ?? "unknown";
            api = Negotiate(version.APIVersion);
        }

        return new DockerSession(Build(endpoint, requestTimeout, api), engine, api);
    }

    /// <summary>The version to pin for an engine that reports <paramref name="engineApiVersion"/>.</summary>
    internal static Version Negotiate(string? engineApiVersion) =>
        Version.TryParse(engineApiVersion, out var engine) && engine < ClientMaxApiVersion ? engine : ClientMaxApiVersion;

    private static DockerClient Build(Uri endpoint, TimeSpan timeout, Version? apiVersion)
    {
        var builder = new DockerClientBuilder().WithEndpoint(endpoint).WithTimeout(timeout);
        if (apiVersion is not null) builder = builder.WithApiVersion(apiVersion);
        return builder.Build();
    }
}
