namespace Ipv6Agent.Testing;

/// <summary>A throw-away host root (<c>root:</c> in the config) with files at host paths; deleted on dispose.</summary>
public sealed class TempRoot : IDisposable
{
    public TempRoot()
    {
        Path = Directory.CreateTempSubdirectory("ipv6-agent-root-").FullName;
    }

    public string Path { get; }

    public string Full(string hostPath) => System.IO.Path.Join(Path, hostPath);

    public TempRoot With(string hostPath, string text, UnixFileMode? mode = null)
    {
        var full = Full(hostPath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
        if (mode is { } m) File.SetUnixFileMode(full, m);
        return this;
    }

    public string? Read(string hostPath) => File.Exists(Full(hostPath)) ? File.ReadAllText(Full(hostPath)) : null;

    /// <summary>Every file under the root with its bytes and mode, to prove a run changed nothing.</summary>
    public IReadOnlyDictionary<string, (string Sha256, UnixFileMode Mode)> Fingerprint() =>
        Directory.EnumerateFileSystemEntries(Path, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .ToDictionary(
                p => p[Path.Length..],
                p => (File.Exists(p) ? Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(p))) : "dir",
                      File.GetUnixFileMode(p)));

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (DirectoryNotFoundException) { }
    }
}
