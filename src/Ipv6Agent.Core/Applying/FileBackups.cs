using Ipv6Agent.Configuration;

namespace Ipv6Agent.Applying;

/// <summary>
/// Keeps the pre-agent original of every file the agent changes, under <c>/var/lib/ipv6-agent/backup/&lt;host path&gt;</c>.
/// Only the first change is backed up: later backups would hold the agent's own output and lose the original.
/// A file that was a symbolic link is backed up as the link itself (same target text) plus, beside it, the text of the file it
/// points to, so a restore puts the link back (not a plain file in its place) and the linked file's text through it.
/// </summary>
internal sealed class FileBackups(string root)
{
    /// <summary>The agent's state (backups, the pass journal): 0700, so no other user reads a backup of a 0600 netplan file.</summary>
    public const string StateDirectory = "/var/lib/ipv6-agent";

    public const string HostDirectory = StateDirectory + "/backup";

    /// <summary>Suffix of the marker that says the file did not exist before the agent (a restore deletes it).</summary>
    public const string AbsentSuffix = ".ipv6-agent-absent";

    /// <summary>Suffix of the copy of a linked file's text, beside the backed-up link.</summary>
    public const string LinkedTextSuffix = ".ipv6-agent-linked";

    /// <summary>rwxr-xr-x: a directory the agent creates outside its state (e.g. <c>/etc/netplan</c>, <c>/run/ipv6-agent</c>).</summary>
    internal const UnixFileMode DirectoryMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>rwx------: the agent's state directory and everything it creates inside it.</summary>
    internal const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>rw-------: the absent markers.</summary>
    private const UnixFileMode PrivateFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string BackupPathOf(string hostPath) => RootedPath.Resolve(root, HostDirectory + hostPath, followFinalLink: false);

    public string AbsentMarkerOf(string hostPath) => BackupPathOf(hostPath) + AbsentSuffix;

    public bool HasBackup(string hostPath)
    {
        var backup = BackupPathOf(hostPath);
        return Posix.TryIdentify(backup, followLinks: false) is not null || File.Exists(backup + AbsentSuffix);
    }

    /// <summary>Backs <paramref name="hostPath"/> up unless a backup exists already.</summary>
    /// <returns><c>true</c> when this call made the backup.</returns>
    /// <exception cref="IOException">The file is not a regular file or a link to one (a FIFO, a device), or its link leaves the root.</exception>
    public bool EnsureBackedUp(string hostPath)
    {
        if (HasBackup(hostPath)) return false;
        var source = RootedPath.Resolve(root, hostPath, followFinalLink: false);
        var backup = BackupPathOf(hostPath);
        var directory = Path.GetDirectoryName(backup)!;
        CreateDirectories(root, RootedPath.HostPathOf(root, directory));
        switch (Posix.TryIdentify(source, followLinks: false))
        {
            case null:
                WriteMarker(backup + AbsentSuffix);
                break;
            case { Type: FileKind.SymbolicLink }:
                // The linked file first, then the link: a backup counts as made once the link is there.
                var linked = RootedPath.Resolve(root, hostPath);
                if (Posix.TryIdentify(linked, followLinks: false) is { } target)
                {
                    if (target.Type != FileKind.Regular) throw NotRegularFileException.For(hostPath, target.Type);
                    CopyFile(linked, backup + LinkedTextSuffix, target.Mode, directory);
                }

                var link = Path.Join(directory, $".{Path.GetFileName(backup)}.{Guid.NewGuid():N}.tmp");
                File.CreateSymbolicLink(link, new FileInfo(source).LinkTarget!);
                File.Move(link, backup);
                break;
            case { Type: FileKind.Regular } file:
                CopyFile(source, backup, file.Mode, directory);
                break;
            case { } other:
                throw NotRegularFileException.For(hostPath, other.Type);
        }

        Posix.FsyncDirectory(directory);
        return true;
    }

    /// <summary>Puts the original back: the backup over the file (a link as a link), or deletes the file if it did not exist before the agent.</summary>
    /// <returns><c>false</c> when there is no backup of <paramref name="hostPath"/>.</returns>
    public bool Restore(string hostPath, AtomicFileWriter writer)
    {
        if (File.Exists(AbsentMarkerOf(hostPath)))
        {
            writer.Delete(hostPath);
            return true;
        }

        var backup = BackupPathOf(hostPath);
        switch (Posix.TryIdentify(backup, followLinks: false))
        {
            case null:
                return false;
            case { Type: FileKind.SymbolicLink }:
                RestoreLink(hostPath, new FileInfo(backup).LinkTarget!);
                var linked = backup + LinkedTextSuffix;
                if (Posix.TryIdentify(linked, followLinks: false) is { } text)
                    writer.WriteBytes(hostPath, File.ReadAllBytes(linked), text.Mode);
                return true;
            case var file:
                writer.WriteBytes(hostPath, File.ReadAllBytes(backup), file.Value.Mode);
                return true;
        }
    }

    /// <summary>
    /// Creates the missing directories of <paramref name="hostDirectory"/> under <paramref name="root"/>, each with an explicit
    /// mode (the umask plays no part): 0700 inside the agent's state directory, 0755 elsewhere. An existing state directory
    /// that others can enter (made by an older agent under a lax umask) is narrowed to 0700.
    /// </summary>
    internal static void CreateDirectories(string root, string hostDirectory)
    {
        var prefix = "";
        foreach (var part in hostDirectory.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            prefix += "/" + part;
            var full = RootedPath.Resolve(root, prefix);
            var isState = prefix == StateDirectory || prefix.StartsWith(StateDirectory + "/", StringComparison.Ordinal);
            var mode = isState ? PrivateDirectoryMode : DirectoryMode;
            switch (Posix.TryIdentify(full, followLinks: false))
            {
                case null:
                    Directory.CreateDirectory(full);
                    File.SetUnixFileMode(full, mode);
                    break;
                case { Type: FileKind.Directory } existing when prefix == StateDirectory && existing.Mode != mode && existing.Uid == Posix.EffectiveUid:
                    File.SetUnixFileMode(full, mode);
                    break;
                case { Type: FileKind.Directory }:
                    break;
                case { } other:
                    throw new NotRegularFileException($"{prefix} is {NotRegularFileException.Describe(other.Type)}, not a directory");
            }
        }
    }

    /// <summary>Copies beside the backup and renames, so a crash never leaves a half backup that would then never be redone.</summary>
    private static void CopyFile(string source, string destination, UnixFileMode mode, string directory)
    {
        var temp = Path.Join(directory, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.Copy(source, temp);
            File.SetUnixFileMode(temp, mode);
            using (var stream = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite)) stream.Flush(flushToDisk: true);
            File.Move(temp, destination);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static void WriteMarker(string path)
    {
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = PrivateFileMode,
        });
        File.SetUnixFileMode(stream.SafeFileHandle, PrivateFileMode);
    }

    /// <summary>Makes <paramref name="hostPath"/> the link it was (atomically: a new link renamed over whatever is there now).</summary>
    private void RestoreLink(string hostPath, string linkText)
    {
        var path = RootedPath.Resolve(root, hostPath, followFinalLink: false);
        if (Posix.TryIdentify(path, followLinks: false) is { Type: FileKind.SymbolicLink } && new FileInfo(path).LinkTarget == linkText) return;
        var directory = Path.GetDirectoryName(path)!;
        CreateDirectories(root, RootedPath.HostPathOf(root, directory));
        var temp = Path.Join(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}{AtomicFileWriter.TempSuffix}");
        File.CreateSymbolicLink(temp, linkText);
        try
        {
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        Posix.FsyncDirectory(directory);
    }
}

/// <summary>A path the agent would read or write is a FIFO, a device, a socket or a directory: refused, never opened.</summary>
internal sealed class NotRegularFileException(string message) : IOException(message)
{
    internal static NotRegularFileException For(string hostPath, FileKind kind) =>
        new($"{hostPath} is {Describe(kind)}, not a regular file; the agent reads and writes only regular files (and links to them)");

    internal static string Describe(FileKind kind) => kind switch
    {
        FileKind.Directory => "a directory",
        FileKind.Fifo => "a FIFO",
        FileKind.Socket => "a socket",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.Regular => "a regular file",
        _ => "of an unknown type",
    };
}
