using System.Runtime.InteropServices;
using System.Text;

namespace Ipv6Agent.Cli;

/// <summary>
/// Writes text to stdout as UTF-8 with plain <c>write(2)</c>. Why not <see cref="Console.Out"/>: its first use sets up
/// the terminal and signal handling, ~5 ms of a <c>status</c> that is otherwise done in a few. Why not a
/// <see cref="FileStream"/> over fd 1: it writes at its own offset (<c>pwrite</c>), so in
/// <c>{ echo a; ipv6-agent status; echo b; } &gt; file</c> the <c>b</c> would overwrite the report.
/// </summary>
internal static class StandardOutput
{
    private const int Eintr = 4;
    private const int Epipe = 32;

    public static void Write(string text) => Write(Encoding.UTF8.GetBytes(text));

    /// <summary>Writes <paramref name="utf8"/> and a newline.</summary>
    public static void WriteLine(ReadOnlySpan<byte> utf8)
    {
        var line = new byte[utf8.Length + 1];
        utf8.CopyTo(line);
        line[^1] = (byte)'\n';
        Write(line);
    }

    private static void Write(byte[] bytes)
    {
        var done = 0;
        while (done < bytes.Length)
        {
            var written = write(1, ref bytes[done], bytes.Length - done);
            if (written > 0)
            {
                done += (int)written;
                continue;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (written < 0 && errno == Eintr) continue;
            // A reader that went away ('status | head -1'): nobody is left to tell, as Console does.
            if (written < 0 && errno == Epipe) return;
            // Anything else (a non-blocking stdout, a full disk): let Console's stream deal with the rest as it always did.
            using var stdout = Console.OpenStandardOutput();
            stdout.Write(bytes, done, bytes.Length - done);
            return;
        }
    }

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code in this assembly; this signature is blittable.
    [DllImport("libc", SetLastError = true)]
    private static extern nint write(int fd, ref byte buffer, nint count);
#pragma warning restore SYSLIB1054
}
