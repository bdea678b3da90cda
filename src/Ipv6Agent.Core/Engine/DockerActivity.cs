using Docker.DotNet.Models;

namespace Ipv6Agent.Engine;

/// <summary>Whether the engine runs any container now: what a Docker restart would stop.</summary>
internal static class DockerActivity
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// <c>true</c> only when the engine answered and runs no container; <c>false</c> when it runs one, or did not answer
    /// (down, slow, refused): the caller must then assume something would be stopped.
    /// </summary>
    public static async Task<bool> IsIdleAsync(Uri endpoint, CancellationToken ct)
    {
        try
        {
            using var session = await DockerConnection.ConnectAsync(endpoint, RequestTimeout, ct).ConfigureAwait(false);
            var running = await session.Client.Containers.ListContainersAsync(new ContainersListParameters { All = false, Limit = 1 }, ct)
                .ConfigureAwait(false);
            return running.Count == 0;
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is not OutOfMemoryException)
        {
            return false;
        }
    }
}
