namespace Ipv6Agent.Applying;

/// <summary>A fresh configured root under /tmp for one test, deleted afterwards.</summary>
internal sealed class ScratchRoot : IDisposable
{
    public ScratchRoot() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Join(System.IO.Path.GetTempPath(), $"vf-{Guid.NewGuid():N}");

    public string Full(string hostPath) => Configuration.RootedPath.Combine(Path, hostPath);

    public string Put(string hostPath, string text, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead)
    {
        var full = Full(hostPath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
        File.SetUnixFileMode(full, mode);
        return full;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
