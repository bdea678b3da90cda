using Ipv6Agent.Configuration;
using Ipv6Agent.Rendering;

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

    public AtomicFileWriter(string root) : this(root, new FileBackups(root)) { }

    /// <summary>For the agent's own state (the status file): atomic, but with nothing worth backing up.</summary>
    public static AtomicFileWriter WithoutBackups(string root) => new(root, new FileBackups(root), backUp: false);

    public FileBackups Backups => backups;

    /// <summary>
    /// Replaces <paramref name="hostPath"/> with <paramref name="text"/>, encoded by <see cref="LosslessUtf8"/> (every byte the
    /// text was read with comes back, a BOM too). An existing file keeps its owner, group and mode; a new one gets
    /// <paramref name="newFileMode"/> and its missing parent directories 0755 (0700 in the agent's state), whatever the umask.
    /// </summary>
    public void Write(string hostPath, string text, UnixFileMode newFileMode) =>
        WriteBytes(hostPath, LosslessUtf8.Encode(text), newFileMode);

    /// <summary>
    /// A symbolic link (e.g. a netplan file linked from elsewhere) is written through, resolved inside the root as a chroot
    /// would (<see cref="RootedPath.Resolve"/>): the file it points to is replaced atomically and the link stays a link.
    /// Renaming over the link itself would silently replace it with a plain file and cut the tie its owner set up.
    /// </summary>
    /// <exception cref="IOException">A link leads outside the root, or the path is not a regular file (a FIFO, a device).</exception>
    public void WriteBytes(string hostPath, ReadOnlySpan<byte> content, UnixFileMode newFileMode)
    {
        var target = RootedPath.Resolve(root, hostPath);
        var existing = Posix.TryIdentify(target, followLinks: false);
        if (existing is { Type: not FileKind.Regular } other) throw NotRegularFileException.For(hostPath, other.Type);
        var directory = Path.GetDirectoryName(target)!;
        FileBackups.CreateDirectories(root, RootedPath.HostPathOf(root, directory));
        if (backUp) backups.EnsureBackedUp(hostPath);

        var mode = existing?.Mode ?? newFileMode;
        var temp = Path.Join(directory, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
                   {
                       Mode = FileMode.CreateNew,
                       Access = FileAccess.Write,
                       UnixCreateMode = mode & ~(UnixFileMode.SetUser | UnixFileMode.SetGroup | UnixFileMode.StickyBit),
                   }))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            if (existing is { } o) Posix.Chown(temp, o.Uid, o.Gid);
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

    /// <summary>
    /// Backs the file up, then unlinks it. A missing file is left missing. A symbolic link is removed itself (never the file
    /// it points to), and its backup is the link, so a restore puts the link back.
    /// </summary>
    public void Delete(string hostPath)
    {
        var target = RootedPath.Resolve(root, hostPath, followFinalLink: false);
        switch (Posix.TryIdentify(target, followLinks: false))
        {
            case null:
                return;
            case { Type: FileKind.Regular or FileKind.SymbolicLink }:
                break;
            case { } other:
                throw NotRegularFileException.For(hostPath, other.Type);
        }

        if (backUp) backups.EnsureBackedUp(hostPath);
        File.Delete(target);
        Posix.FsyncDirectory(Path.GetDirectoryName(target)!);
    }
}
