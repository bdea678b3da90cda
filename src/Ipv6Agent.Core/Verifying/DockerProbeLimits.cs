namespace Ipv6Agent.Verifying;

/// <summary>Bounds on every step of a probe, so a hung engine or registry never hangs a pass.</summary>
internal sealed record DockerProbeLimits
{
    /// <summary>One API request (inspect, create, start, remove).</summary>
    public TimeSpan Request { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Pulling the probe image when it is missing.</summary>
    public TimeSpan Pull { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>One <c>ping</c> run inside the container (3 echoes, 1 s wait each).</summary>
    public TimeSpan Ping { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Runs per target while nothing answers: the first echo can be lost to neighbour discovery.</summary>
    public int PingAttempts { get; init; } = 3;

    /// <summary>How long docker0's gateway address may stay tentative (duplicate address detection) before the check reports it.</summary>
    public TimeSpan TentativeWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The probe container's own lifetime (<c>sleep</c>): it ends even if every removal failed.</summary>
    public TimeSpan ContainerLifetime { get; init; } = TimeSpan.FromMinutes(5);
}
