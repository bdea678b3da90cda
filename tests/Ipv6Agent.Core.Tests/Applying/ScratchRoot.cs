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

    public string PutBytes(string hostPath, byte[] bytes)
    {
        var full = Full(hostPath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
        return full;
    }

    /// <summary>A symbolic link at <paramref name="hostPath"/> whose text is <paramref name="target"/>, as found on the host.</summary>
    public string Link(string hostPath, string target)
    {
        var full = Full(hostPath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.CreateSymbolicLink(full, target);
        return full;
    }

    /// <summary>A FIFO at <paramref name="hostPath"/>: opening it to read blocks until a writer comes.</summary>
    public string Fifo(string hostPath)
    {
        var full = Full(hostPath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", [full]);
        mkfifo.WaitForExit();
        if (mkfifo.ExitCode != 0) throw new InvalidOperationException($"mkfifo {full} failed");
        return full;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
