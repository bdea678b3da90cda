namespace Ipv6Agent.Configuration;

/// <summary>Maps host paths (<c>/etc/netplan/x.yaml</c>) into the configured root.</summary>
public static class RootedPath
{
    public static string Combine(string root, string hostPath)
    {
        if (!hostPath.StartsWith('/')) throw new ArgumentException($"'{hostPath}' is not an absolute host path", nameof(hostPath));
        return root is "/" or "" ? hostPath : Path.Join(root.TrimEnd('/'), hostPath);
    }
}
