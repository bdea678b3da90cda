using System.Text;
using Ipv6Agent.Configuration;

namespace Ipv6Agent.Applying;

/// <summary>
/// Writes files so a reader (netplan, dockerd, apt) sees the old text or the new one, never half of each, even after a power cut:
/// temp file in the same directory, fsync, rename over the target, fsync the directory.
/// Every change is preceded by a backup of the original (<see cref="FileBackups"/>).
/// </summary>
internal sealed class AtomicFileWriter(string root, FileBackups backups, bool backUp = true)
{
    /// <summary>Suffix of the temp files; a leftover one (after a kill -9) is recognisable and harmless.</summary>
    public const string TempSuffix = ".ipv6-agent.tmp";

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    public AtomicFileWriter(string root) : this(root, new FileBackups(root)) { }

    /// <summary>For the agent's own state (the status file): atomic, but with nothing worth backing up.</summary>
    public static AtomicFileWriter WithoutBackups(string root) => new(root, new FileBackups(root), backUp: false);

    public FileBackups Backups => backups;

    /// <summary>
    /// Replaces <paramref name="hostPath"/> with <paramref name="text"/> (UTF-8, no BOM). An existing file keeps its owner, group
    /// and mode; a new one gets <paramref name="newFileMode"/> and its missing parent directories 0755.
    /// </summary>
    public void Write(string hostPath, string text, UnixFileMode newFileMode) =>
        WriteBytes(hostPath, Utf8NoBom.GetBytes(text), newFileMode);

    public void WriteBytes(string hostPath, ReadOnlySpan<byte> content, UnixFileMode newFileMode)
    {
        var target = ResolveTarget(RootedPath.Combine(root, hostPath));
        var directory = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory, FileBackups.DirectoryMode);
        if (backUp) backups.EnsureBackedUp(hostPath);

        FileIdentity? owner = File.Exists(target) ? Posix.Identify(target) : null;
        var mode = owner is null ? newFileMode : File.GetUnixFileMode(target);
        var temp = Path.Join(directory, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
                   {
                       Mode = FileMode.CreateNew,
                       Access = FileAccess.Write,
                       UnixCreateMode = mode,
                   }))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            if (owner is { } o) Posix.Chown(temp, o.Uid, o.Gid);
            // After chown (which clears set-id bits) and regardless of the umask applied at create.
            File.SetUnixFileMode(temp, mode);
            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        Posix.FsyncDirectory(directory);
    }

    /// <summary>Backs the file up, then unlinks it. A missing file is left missing.</summary>
    public void Delete(string hostPath)
    {
        var target = RootedPath.Combine(root, hostPath);
        if (!File.Exists(target)) return;
        backups.EnsureBackedUp(hostPath);
        File.Delete(target);
        Posix.FsyncDirectory(Path.GetDirectoryName(target)!);
    }

    /// <summary>
    /// A symlinked file (e.g. a netplan file linked from elsewhere) is written through the link: renaming over the link itself
    /// would silently replace it with a plain file and cut the tie its owner set up.
    /// </summary>
    private static string ResolveTarget(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is null) return path;
        return info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
    }
}
