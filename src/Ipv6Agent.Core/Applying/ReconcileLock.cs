using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Tmds.Linux;
using Ipv6Agent.Configuration;

namespace Ipv6Agent.Applying;

/// <summary>
/// One reconcile pass at a time on a host (the service and a manual <c>apply</c>): an exclusive <c>flock</c> on
/// <c>/run/ipv6-agent/lock</c>. The kernel drops it when the holder dies, so a crash never leaves a stale lock.
/// </summary>
internal sealed class ReconcileLock : IDisposable
{
    public const string HostPath = "/run/ipv6-agent/lock";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>rw------- : see <see cref="AcquireAsync"/>.</summary>
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly SafeFileHandle _handle;

    private ReconcileLock(SafeFileHandle handle) => _handle = handle;

    /// <summary>Takes the lock, waiting up to <paramref name="wait"/> for another pass to finish.</summary>
    /// <exception cref="ApplyException">Still held after <paramref name="wait"/>: "another ipv6-agent pass is running (pid N)".</exception>
    /// <remarks>
    /// <c>flock</c> needs only a descriptor, and a read-only one will do: a lock file that another user can open is one they can
    /// hold for ever, stopping every pass. So the file is the agent's alone (regular, owned by this user, mode 0600, one link),
    /// opened with <c>O_NOFOLLOW</c> and <c>O_NONBLOCK</c> so a planted symlink is never followed (nor truncated through) and a
    /// planted FIFO never blocks. Anything else at that path (a symlink, a FIFO, a hard link to another file, a file of the wrong
    /// owner or mode, which someone may already hold open) is replaced by a fresh file through a rename, which never touches
    /// what the old entry pointed to. After taking the flock the path must still name the locked file: a pass that replaced it
    /// in between makes this one start over, so two passes never hold locks on two different files.
    /// </remarks>
    public static async Task<ReconcileLock> AcquireAsync(string root, TimeSpan wait, TimeProvider time, CancellationToken ct)
    {
        var path = RootedPath.Resolve(root, HostPath, followFinalLink: false);
        var directory = Path.GetDirectoryName(path)!;
        FileBackups.CreateDirectories(root, Path.GetDirectoryName(HostPath)!);
        var deadline = time.GetUtcNow() + wait;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var handle = OpenOwnFile(path, directory);
            if (Posix.TryLockExclusive(handle) && Posix.TryIdentify(path, followLinks: false) is { } now && now.SameFileAs(Posix.Identify(handle)))
            {
                RandomAccess.SetLength(handle, 0);
                RandomAccess.Write(handle, Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"), 0);
                return new ReconcileLock(handle);
            }

            handle.Dispose();
            if (time.GetUtcNow() >= deadline)
            {
                var who = HolderOf(path) is { } pid ? $" (pid {pid})" : "";
                throw new ApplyException(
                    $"another ipv6-agent pass is running{who}; waited {wait.TotalSeconds:0} s for it to finish. Try again when it is done");
            }

            await Task.Delay(PollInterval, time, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Opens the lock file if it is one only this user can open, else puts a fresh one in its place first.</summary>
    private static SafeFileHandle OpenOwnFile(string path, string directory)
    {
        for (var attempt = 0; ; attempt++)
        {
            var handle = Posix.TryOpenNoFollow(path, create: false, Private, out var errno);
            if (handle is not null)
            {
                var id = Posix.Identify(handle);
                if (id is { Type: FileKind.Regular, Links: 1, Mode: Private } && id.Uid == Posix.EffectiveUid) return handle;
                handle.Dispose();
            }
            else if (errno != LibC.ENOENT && errno != LibC.ELOOP && errno != LibC.ENXIO && errno != LibC.EISDIR)
            {
                throw new IOException($"cannot open the lock {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
            }

            if (attempt >= 3)
                throw new IOException($"cannot make the lock {path} a private file (something keeps replacing it)");
            ReplaceWithFreshFile(path, directory, errno == LibC.ENOENT);
        }
    }

    /// <summary>Creates a 0600 file beside <paramref name="path"/> and renames it over whatever is there (or creates it when nothing is).</summary>
    private static void ReplaceWithFreshFile(string path, string directory, bool absent)
    {
        if (Posix.TryIdentify(path, followLinks: false) is { Type: FileKind.Directory })
            throw new IOException($"cannot take the lock: {path} is a directory; remove it");
        var temp = absent ? path : Path.Join(directory, $".lock.{Guid.NewGuid():N}.tmp");
        using var handle = Posix.TryOpenNoFollow(temp, create: true, Private, out var errno);
        if (handle is null)
        {
            if (errno == LibC.EEXIST && absent) return; // another pass created it first: open that one
            throw new IOException($"cannot create the lock {temp}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        Posix.Chmod(handle, Private); // the umask may have taken bits away; never added any
        if (!absent) File.Move(temp, path, overwrite: true);
    }

    /// <summary>The pid holding an flock on <paramref name="path"/>, from <c>/proc/locks</c> (the file itself cannot be read while locked).</summary>
    internal static int? HolderOf(string path)
    {
        try
        {
            var id = Posix.Identify(path);
            // 1: FLOCK  ADVISORY  WRITE 6764 00:2d:1234567 0 EOF
            var wanted = $"{id.DevMajor:x2}:{id.DevMinor:x2}:{id.Inode}";
            foreach (var line in File.ReadLines("/proc/locks"))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 6 || fields[1] != "FLOCK") continue;
                if (!string.Equals(fields[5], wanted, StringComparison.OrdinalIgnoreCase)) continue;
                if (int.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return pid;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    public void Dispose() => _handle.Dispose();
}
