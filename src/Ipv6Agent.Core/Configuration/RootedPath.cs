namespace Ipv6Agent.Configuration;

/// <summary>Maps host paths (<c>/etc/netplan/x.yaml</c>) into the configured root and back.</summary>
public static class RootedPath
{
    public static string Combine(string root, string hostPath)
    {
        if (!hostPath.StartsWith('/')) throw new ArgumentException($"'{hostPath}' is not an absolute host path", nameof(hostPath));
        return root is "/" or "" ? hostPath : Path.Join(root.TrimEnd('/'), hostPath);
    }

    /// <summary>The host path of <paramref name="fullPath"/>, which lies under <paramref name="root"/>.</summary>
    public static string ToHostPath(string root, string fullPath)
    {
        if (root is "/" or "") return fullPath;
        var trimmed = root.TrimEnd('/');
        return fullPath.StartsWith(trimmed + "/", StringComparison.Ordinal) ? fullPath[trimmed.Length..] : fullPath;
    }
}
