using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Tmds.Linux;

namespace Ipv6Agent.Applying;

/// <summary>
/// The few libc calls .NET does not expose: a file's owner and type without following a link (to keep the owner across an
/// atomic replace, to refuse a FIFO), <c>chown</c>, <c>fsync</c> of a directory (so a rename survives a power cut), and the
/// <c>open</c> flags the lock needs (<c>O_NOFOLLOW</c>).
/// </summary>
/// <remarks>
/// Flag values differ between architectures (<c>O_DIRECTORY</c> is 0x10000 on x64 but 0x4000 on arm64, where 0x10000 is
/// <c>O_DIRECT</c>; <c>O_NOFOLLOW</c> is 0x20000 against 0x8000), so every constant comes from Tmds.LibC, which ships one
/// assembly per runtime identifier with that architecture's values. The functions are declared here, with signatures that
/// are the same on every 64-bit Linux (ints, a UTF-8 path, a byte buffer), and <c>statx</c> rather than <c>stat</c>: its
/// struct has one layout on every architecture, while <c>struct stat</c> differs between x64 and arm64.
/// </remarks>
internal static class Posix
{
    private const uint StatxBasicStats = 0x7ff;

    /// <summary>The file-type bits of a mode (<c>S_IFMT</c>) and the regular-file type: identical on every Linux architecture.</summary>
    private const uint TypeMask = 0xF000;

    /// <summary>Owner, group, inode, device, mode and link count of <paramref name="path"/> (not following a final symlink).</summary>
    public static FileIdentity Identify(string path) => TryIdentify(path, followLinks: false)
        ?? throw new FileNotFoundException($"statx {path}: no such file or directory", path);

    /// <summary>Like <see cref="Identify(string)"/>, but null when nothing is there (ENOENT, or a directory on the way is missing).</summary>
    public static FileIdentity? TryIdentify(string path, bool followLinks)
    {
        var buffer = new byte[256];
        var flags = followLinks ? 0 : LibC.AT_SYMLINK_NOFOLLOW;
        if (statx(LibC.AT_FDCWD, path, flags, StatxBasicStats, buffer) == 0) return FromStatx(buffer);
        var errno = Marshal.GetLastPInvokeError();
        if (errno == LibC.ENOENT || errno == LibC.ENOTDIR) return null;
        throw new IOException($"statx {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>What an open descriptor refers to (<c>statx</c> with <c>AT_EMPTY_PATH</c>).</summary>
    public static FileIdentity Identify(SafeFileHandle handle)
    {
        var buffer = new byte[256];
        if (statx((int)handle.DangerousGetHandle(), "", LibC.AT_EMPTY_PATH, StatxBasicStats, buffer) != 0)
            throw new IOException($"statx: {Marshal.GetLastPInvokeErrorMessage()}");
        return FromStatx(buffer);
    }

    private static FileIdentity FromStatx(byte[] buffer)
    {
        // struct statx (include/uapi/linux/stat.h), the same on every architecture.
        var mode = BitConverter.ToUInt16(buffer, 28);
        return new FileIdentity(
            Uid: BitConverter.ToUInt32(buffer, 20),
            Gid: BitConverter.ToUInt32(buffer, 24),
            Inode: BitConverter.ToUInt64(buffer, 32),
            DevMajor: BitConverter.ToUInt32(buffer, 136),
            DevMinor: BitConverter.ToUInt32(buffer, 140))
        {
            Mode = (UnixFileMode)(mode & 0xFFF),
            Type = (mode & TypeMask) switch
            {
                0x8000 => FileKind.Regular,
                0x4000 => FileKind.Directory,
                0xA000 => FileKind.SymbolicLink,
                0x1000 => FileKind.Fifo,
                0xC000 => FileKind.Socket,
                0x2000 => FileKind.CharacterDevice,
                0x6000 => FileKind.BlockDevice,
                _ => FileKind.Unknown,
            },
            Links = BitConverter.ToUInt32(buffer, 16),
        };
    }

    public static void Chown(string path, uint uid, uint gid)
    {
        if (lchown(path, uid, gid) != 0)
            throw new IOException($"chown {path}: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    /// <summary>The effective user id: the owner of every file this process creates.</summary>
    public static uint EffectiveUid => geteuid();

    /// <summary>
    /// Opens (creating with <paramref name="mode"/> when absent) <paramref name="path"/> read-write without following a final
    /// symlink and without blocking on a FIFO. Null with the errno when the kernel refuses (ELOOP: a symlink is there).
    /// </summary>
    public static SafeFileHandle? TryOpenNoFollow(string path, bool create, UnixFileMode mode, out int errno)
    {
        var flags = LibC.O_RDWR | LibC.O_NOFOLLOW | LibC.O_CLOEXEC | LibC.O_NONBLOCK | LibC.O_NOCTTY;
        if (create) flags |= LibC.O_CREAT | LibC.O_EXCL;
        var fd = open(path, flags, (uint)mode);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd < 0 ? null : new SafeFileHandle((IntPtr)fd, ownsHandle: true);
    }

    /// <summary>Sets the permission bits of an open file (the umask played no part), without a path to be swapped underneath.</summary>
    public static void Chmod(SafeFileHandle handle, UnixFileMode mode)
    {
        if (fchmod((int)handle.DangerousGetHandle(), (uint)mode) != 0)
            throw new IOException($"fchmod: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    /// <summary><c>flock(LOCK_EX | LOCK_NB)</c>: false when another open file description holds it.</summary>
    public static bool TryLockExclusive(SafeFileHandle handle)
    {
        const int LockEx = 2, LockNb = 4; // <sys/file.h>, the same on every Linux architecture
        if (flock((int)handle.DangerousGetHandle(), LockEx | LockNb) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == LibC.EWOULDBLOCK || errno == LibC.EINTR) return false;
        throw new IOException($"flock: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>Flushes a directory's entries (a rename or unlink in it) to disk.</summary>
    public static void FsyncDirectory(string directory)
    {
        // O_RDONLY | O_DIRECTORY from this architecture's headers: 0x10000 on arm64 is O_DIRECT, which a directory refuses.
        var fd = open(directory, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
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

    /// <summary>The process's umask (read by setting it and putting it back).</summary>
    public static UnixFileMode SetUmask(UnixFileMode mask) => (UnixFileMode)umask((uint)mask);

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code in this assembly; these signatures are blittable but for the path.
    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    [DllImport("libc", SetLastError = true)]
    private static extern int lchown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int fchmod(int fd, uint mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int flock(int fd, int operation);

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    [DllImport("libc")]
    private static extern uint geteuid();

    [DllImport("libc")]
    private static extern uint umask(uint mask);
#pragma warning restore SYSLIB1054
}

internal readonly record struct FileIdentity(uint Uid, uint Gid, ulong Inode, uint DevMajor, uint DevMinor)
{
    public UnixFileMode Mode { get; init; }

    public FileKind Type { get; init; }

    public uint Links { get; init; }

    /// <summary>The same file: device and inode (what a lock holder and the path must agree on).</summary>
    public bool SameFileAs(FileIdentity other) => Inode == other.Inode && DevMajor == other.DevMajor && DevMinor == other.DevMinor;
}

internal enum FileKind
{
    Unknown,
    Regular,
    Directory,
    SymbolicLink,
    Fifo,
    Socket,
    CharacterDevice,
    BlockDevice,
}
