using Ipv6Agent.Applying;
using Ipv6Agent.Configuration;
using Ipv6Agent.Rendering;

namespace Ipv6Agent.Inspecting;

/// <summary>
/// Reads a file the agent may edit, the one way every reader does (the host snapshot, the "changed on disk" check, the pass
/// journal's recovery), so that they all agree byte for byte with what <see cref="AtomicFileWriter"/> writes back.
/// </summary>
internal static class HostFile
{
    /// <summary>
    /// The text of <paramref name="hostPath"/> under <paramref name="root"/> (links resolved inside the root), decoded by
    /// <see cref="LosslessUtf8"/>; null when there is no such file (a dangling link included).
    /// </summary>
    /// <exception cref="IOException">
    /// A link leads outside the root, or the path is a FIFO (reading it would block the pass for ever), a device, a socket.
    /// </exception>
    public static string? ReadText(string root, string hostPath)
    {
        var full = RootedPath.Resolve(root, hostPath);
        switch (Posix.TryIdentify(full, followLinks: false))
        {
            case null:
                return null;
            case { Type: FileKind.Regular }:
                try
                {
                    return LosslessUtf8.Decode(File.ReadAllBytes(full));
                }
                catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
                {
                    return null; // removed in between
                }

            case { } other:
                throw NotRegularFileException.For(hostPath, other.Type);
        }
    }
}
