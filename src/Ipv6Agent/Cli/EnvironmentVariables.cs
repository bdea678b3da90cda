namespace Ipv6Agent.Cli;

internal static class EnvironmentVariables
{
    /// <summary>The variables configuration reads (<c>DOCKER_HOST</c>), as a value so the loader stays pure.</summary>
    public static IReadOnlyDictionary<string, string?> Snapshot() =>
        new Dictionary<string, string?> { ["DOCKER_HOST"] = Environment.GetEnvironmentVariable("DOCKER_HOST") };
}
