namespace Ipv6Agent.Rendering;

/// <summary>A file the agent must edit cannot be understood; the message names the file and what to do (exit 2, nothing changed).</summary>
public sealed class RenderingException(string hostPath, string message) : Exception($"{hostPath}: {message}")
{
    public string HostPath { get; } = hostPath;
}
