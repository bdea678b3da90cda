using System.Text;

namespace Ipv6Agent.Cli;

/// <summary>
/// Text to standard output as UTF-8 bytes on the raw stream. <see cref="Console.Out"/> costs a short-lived verb more than
/// the verb itself: its first use sets up the terminal (SIGCONT/SIGCHLD handlers, a signal thread, terminfo when stdout is a
/// tty), ~30 page faults of a `version` that has ~300 in all. The raw stream writes with write(2) at the shared offset and,
/// like Console.Out, ignores a closed pipe (<c>ipv6-agent status | head -1</c>).
/// </summary>
internal static class Stdout
{
    public static void Write(string text)
    {
        using var stdout = Console.OpenStandardOutput();
        stdout.Write(Encoding.UTF8.GetBytes(text));
    }

    public static void Write(ReadOnlySpan<byte> utf8)
    {
        using var stdout = Console.OpenStandardOutput();
        stdout.Write(utf8);
    }
}
