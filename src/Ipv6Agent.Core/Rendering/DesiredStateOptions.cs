namespace Ipv6Agent.Rendering;

/// <summary>Decisions the shell made before rendering (they need DNS or the Docker engine, which the pure core does not touch).</summary>
/// <param name="FixMirrors">Rewrite regional EC2 Ubuntu mirrors to the global ones (config <c>apt.fix-mirrors</c>, resolved with a DNS lookup when auto).</param>
/// <param name="DockerVersion">The engine's version; <c>null</c> falls back to <see cref="Inspecting.HostSnapshot.DockerVersion"/>.</param>
internal sealed record DesiredStateOptions(bool FixMirrors, Version? DockerVersion = null);
