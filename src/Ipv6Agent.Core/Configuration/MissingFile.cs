namespace Ipv6Agent.Configuration;

/// <summary>
/// Tells a file that is not there without throwing: the first exception a process throws costs ~5 ms, and the agent's
/// commonest answers (no config file, no report yet since boot) were exceptions. Callers still catch, for a file that
/// goes away in between.
/// </summary>
public static class MissingFile
{
    /// <summary>
    /// <c>true</c> only when <paramref name="path"/> certainly does not exist. <see cref="File.Exists"/> is also false
    /// when a directory on the way is not searchable; that cannot happen to root, nor when the parent is missing too.
    /// Otherwise <c>false</c>, and reading the file says which.
    /// </summary>
    public static bool Is(string path) =>
        !File.Exists(path) && (Environment.IsPrivilegedProcess || !Directory.Exists(Path.GetDirectoryName(path)));
}
