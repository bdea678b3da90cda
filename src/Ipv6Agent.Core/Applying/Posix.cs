using System.Runtime.InteropServices;

namespace Ipv6Agent.Applying;

/// <summary>
/// The few libc calls .NET does not expose: a file's owner (to keep it across an atomic replace),
/// <c>chown</c>, and <c>fsync</c> of a directory (so a rename survives a power cut).
/// </summary>
internal static class Posix
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000; // same value on x64 and arm64 (asm-generic)
    private const int OCloExec = 0x80000;

    /// <summary>Owner, group, inode and device of <paramref name="path"/> (not following a final symlink).</summary>
    /// <remarks><c>statx</c> rather than <c>stat</c>: its struct has one layout on every architecture.</remarks>
    public static FileIdentity Identify(string path)
    {
        var buffer = new byte[256];
        if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
            throw new IOException($"statx {path}: {Marshal.GetLastPInvokeErrorMessage()}");
        return new FileIdentity(
            Uid: BitConverter.ToUInt32(buffer, 20),
            Gid: BitConverter.ToUInt32(buffer, 24),
            Inode: BitConverter.ToUInt64(buffer, 32),
            DevMajor: BitConverter.ToUInt32(buffer, 136),
            DevMinor: BitConverter.ToUInt32(buffer, 140));
    }

    public static void Chown(string path, uint uid, uint gid)
    {
        if (lchown(path, uid, gid) != 0)
            throw new IOException($"chown {path}: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    /// <summary>Flushes a directory's entries (a rename or unlink in it) to disk.</summary>
    public static void FsyncDirectory(string directory)
    {
        var fd = open(directory, ORdOnly | ODirectory | OCloExec);
        if (fd < 0) throw new IOException($"open {directory}: {Marshal.GetLastPInvokeErrorMessage()}");
        try
        {
            if (fsync(fd) != 0) throw new IOException($"fsync {directory}: {Marshal.GetLastPInvokeErrorMessage()}");
        }
        finally
        {
            _ = close(fd);
        }
    }

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code in this assembly; these signatures are blittable but for the path.
    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    [DllImport("libc", SetLastError = true)]
    private static extern int lchown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
#pragma warning restore SYSLIB1054
}

internal readonly record struct FileIdentity(uint Uid, uint Gid, ulong Inode, uint DevMajor, uint DevMinor);
