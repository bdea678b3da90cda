using System.Globalization;
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

    private readonly FileStream _stream;

    private ReconcileLock(FileStream stream) => _stream = stream;

    /// <summary>Takes the lock, waiting up to <paramref name="wait"/> for another pass to finish.</summary>
    /// <exception cref="ApplyException">Still held after <paramref name="wait"/>: "another ipv6-agent pass is running (pid N)".</exception>
    public static async Task<ReconcileLock> AcquireAsync(string root, TimeSpan wait, TimeProvider time, CancellationToken ct)
    {
        var path = RootedPath.Combine(root, HostPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!, FileBackups.DirectoryMode);
        var deadline = time.GetUtcNow() + wait;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            // FileShare.None makes .NET take flock(LOCK_EX | LOCK_NB) on Linux; EWOULDBLOCK surfaces as an IOException.
            try
            {
                var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                stream.SetLength(0);
                stream.Write(System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"));
                stream.Flush();
                return new ReconcileLock(stream);
            }
            catch (IOException) when (time.GetUtcNow() < deadline)
            {
                await Task.Delay(PollInterval, time, ct).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                var holder = HolderOf(path);
                var who = holder is { } pid ? $" (pid {pid})" : "";
                throw new ApplyException(
                    $"another ipv6-agent pass is running{who}; waited {wait.TotalSeconds:0} s for it to finish. Try again when it is done", e);
            }
        }
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

    public void Dispose() => _stream.Dispose();
}
