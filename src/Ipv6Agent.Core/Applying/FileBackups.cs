using Ipv6Agent.Configuration;

namespace Ipv6Agent.Applying;

/// <summary>
/// Keeps the pre-agent original of every file the agent changes, under <c>/var/lib/ipv6-agent/backup/&lt;host path&gt;</c>.
/// Only the first change is backed up: later backups would hold the agent's own output and lose the original.
/// </summary>
internal sealed class FileBackups(string root)
{
    public const string HostDirectory = "/var/lib/ipv6-agent/backup";

    /// <summary>Suffix of the marker that says the file did not exist before the agent (a restore deletes it).</summary>
    public const string AbsentSuffix = ".ipv6-agent-absent";

    public string BackupPathOf(string hostPath) => RootedPath.Combine(root, HostDirectory + hostPath);

    public string AbsentMarkerOf(string hostPath) => BackupPathOf(hostPath) + AbsentSuffix;

    public bool HasBackup(string hostPath) => File.Exists(BackupPathOf(hostPath)) || File.Exists(AbsentMarkerOf(hostPath));

    /// <summary>Backs <paramref name="hostPath"/> up unless a backup exists already.</summary>
    /// <returns><c>true</c> when this call made the backup.</returns>
    public bool EnsureBackedUp(string hostPath)
    {
        if (HasBackup(hostPath)) return false;
        var source = RootedPath.Combine(root, hostPath);
        var backup = BackupPathOf(hostPath);
        var directory = Path.GetDirectoryName(backup)!;
        Directory.CreateDirectory(directory, DirectoryMode);
        if (!File.Exists(source))
        {
            File.WriteAllBytes(AbsentMarkerOf(hostPath), []);
            Posix.FsyncDirectory(directory);
            return true;
        }

        // Copy beside the backup and rename, so a crash never leaves a half backup that would then never be redone.
        var temp = Path.Join(directory, $".{Path.GetFileName(backup)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.Copy(source, temp);
            using (var stream = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite)) stream.Flush(flushToDisk: true);
            File.Move(temp, backup);
        }
        finally
        {
            File.Delete(temp);
        }

        Posix.FsyncDirectory(directory);
        return true;
    }

    /// <summary>Puts the original back: copies the backup over the file, or deletes the file if it did not exist before the agent.</summary>
    /// <returns><c>false</c> when there is no backup of <paramref name="hostPath"/>.</returns>
    public bool Restore(string hostPath, AtomicFileWriter writer)
    {
        var target = RootedPath.Combine(root, hostPath);
        if (File.Exists(AbsentMarkerOf(hostPath)))
        {
            if (File.Exists(target)) writer.Delete(hostPath);
            return true;
        }

        var backup = BackupPathOf(hostPath);
        if (!File.Exists(backup)) return false;
        writer.WriteBytes(hostPath, File.ReadAllBytes(backup), File.GetUnixFileMode(backup));
        return true;
    }

    internal const UnixFileMode DirectoryMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
}
