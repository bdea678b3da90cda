using Ipv6Agent.Applying;

namespace Ipv6Agent.Configuration;

/// <summary>Maps host paths (<c>/etc/netplan/x.yaml</c>) into the configured root.</summary>
internal static class RootedPath
{
    /// <summary>Links followed in one path before giving up, as the kernel does (ELOOP).</summary>
    private const int MaxLinks = 40;

    /// <summary>The path under <paramref name="root"/>, textually: for the kernel's own tables (<c>/proc</c>, <c>/sys</c>), never for a file the agent edits.</summary>
    public static string Combine(string root, string hostPath)
    {
        if (!hostPath.StartsWith('/')) throw new ArgumentException($"'{hostPath}' is not an absolute host path", nameof(hostPath));
        return root is "/" or "" ? hostPath : Path.Join(root.TrimEnd('/'), hostPath);
    }

    /// <summary>
    /// The real path of <paramref name="hostPath"/> inside <paramref name="root"/>, every symbolic link on the way resolved as a
    /// chroot into <paramref name="root"/> would: an absolute link target starts again at the root, a relative one from the
    /// link's directory. Without this, an absolute link under a chroot root (<c>/etc/netplan/x.yaml → /etc/shadow</c>) makes
    /// the agent read and rewrite the running host's file. A link whose target climbs above the root (<c>../../..</c>) is refused.
    /// Missing components are fine (the file is about to be created); the answer is then where it will be.
    /// </summary>
    /// <param name="followFinalLink">false to get the link itself when the last component is one (to delete or lock it).</param>
    /// <exception cref="OutsideRootException">A link leads outside the root, or there are too many links.</exception>
    public static string Resolve(string root, string hostPath, bool followFinalLink = true)
    {
        if (!hostPath.StartsWith('/')) throw new ArgumentException($"'{hostPath}' is not an absolute host path", nameof(hostPath));
        var top = root is "/" or "" ? "" : Path.TrimEndingDirectorySeparator(root);
        var resolved = new List<string>();
        var pending = new LinkedList<string>(hostPath.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var links = 0;
        string? lastLink = null;
        while (pending.First is { } node)
        {
            var component = node.Value;
            pending.RemoveFirst();
            if (component == ".") continue;
            if (component == "..")
            {
                if (resolved.Count == 0)
                {
                    throw new OutsideRootException(lastLink is null
                        ? $"{hostPath} climbs above the root {Shown(root)}"
                        : $"{hostPath}: the symbolic link {lastLink} leads outside the root {Shown(root)}; refusing to follow it");
                }

                resolved.RemoveAt(resolved.Count - 1);
                continue;
            }

            var full = top + "/" + string.Join('/', resolved.Append(component));
            if (pending.Count == 0 && !followFinalLink || Posix.TryIdentify(full, followLinks: false) is not { Type: FileKind.SymbolicLink })
            {
                resolved.Add(component);
                continue;
            }

            if (++links > MaxLinks)
                throw new OutsideRootException($"{hostPath}: too many levels of symbolic links under the root {Shown(root)}");
            var target = new FileInfo(full).LinkTarget ?? "";
            lastLink = $"/{string.Join('/', resolved.Append(component))} → {target}";
            if (target.StartsWith('/')) resolved.Clear();
            foreach (var part in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse()) pending.AddFirst(part);
        }

        return top + "/" + string.Join('/', resolved);
    }

    /// <summary>The host path of a real path <see cref="Resolve"/> gave (for messages).</summary>
    public static string HostPathOf(string root, string full) =>
        root is "/" or "" ? full : full[Path.TrimEndingDirectorySeparator(root).Length..] is { Length: > 0 } rest ? rest : "/";

    private static string Shown(string root) => root is "" ? "/" : root;
}

/// <summary>A path under the configured root that a symbolic link sends elsewhere: refused, never followed.</summary>
internal sealed class OutsideRootException(string message) : IOException(message);
