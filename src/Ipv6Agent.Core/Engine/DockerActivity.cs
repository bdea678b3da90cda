using Docker.DotNet.Models;

namespace Ipv6Agent.Engine;

/// <summary>Whether the engine runs any container now, the agent's own probe aside: what a Docker restart would stop.</summary>
internal static class DockerActivity
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// <c>true</c> only when the engine answered and runs no container but probe containers (ended before the restart, or
    /// ending: a TERM'd probe can still be listed for a moment); <c>false</c> when it runs one, or did not answer (down,
    /// slow, refused): the caller must then assume something would be stopped.
    /// </summary>
    public static async Task<bool> IsIdleAsync(Uri endpoint, CancellationToken ct)
    {
        try
        {
            using var session = await DockerConnection.ConnectAsync(endpoint, RequestTimeout, ct).ConfigureAwait(false);
            var running = await session.Client.Containers.ListContainersAsync(new ContainersListParameters { All = false }, ct)
                .ConfigureAwait(false);
            return running.All(c => c.Labels?.ContainsKey(Verifying.DockerProbe.ProbeLabel) == true);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is not OutOfMemoryException)
        {
            return false;
        }
    }
}
