namespace Ipv6Agent.Rendering;

/// <summary>
/// A file the agent must edit cannot be read as what it claims to be (invalid YAML or JSON): the pass fails (exit 2)
/// and the file is left untouched. The message names the file, says what is wrong (line and column when known) and what to do.
/// </summary>
internal sealed class RenderingException(string hostPath, string message) : Exception(message)
{
    /// <summary>Host path of the file at fault (no root prefix).</summary>
    public string HostPath { get; } = hostPath;
}
