namespace Ipv6Agent.Verifying;

/// <summary>Bounds on every step of a probe, so a hung engine or registry never hangs a pass.</summary>
internal sealed record DockerProbeLimits
{
    /// <summary>One API request (inspect, create, start, remove).</summary>
    public TimeSpan Request { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Pulling the probe image when it is missing.</summary>
    public TimeSpan Pull { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Every target's pings together (they run in parallel): a run takes milliseconds when the target answers, 1.4 s when it does not,
    /// so this is room for every attempt plus the exec round trips of a loaded engine.
    /// </summary>
    public TimeSpan PingDeadline { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Runs per target while nothing answers: a run's echoes can all be lost to a route that is still settling.</summary>
    public int PingAttempts { get; init; } = 3;

    /// <summary>How long docker0's gateway address may stay tentative (duplicate address detection) before the check reports it.</summary>
    public TimeSpan TentativeWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The probe container's own lifetime (<c>sleep</c>): it ends even if every removal failed.</summary>
    public TimeSpan ContainerLifetime { get; init; } = TimeSpan.FromMinutes(5);
}
