using System.Globalization;
using System.Text;

namespace Ipv6Agent.Reporting;

/// <summary>
/// Makes text from outside (IMDS answers, host files, exception messages) safe for the sinks a person or a service
/// manager reads: the terminal, the journal and sd_notify. Why: sd_notify and journald split on CR/LF (a value with
/// <c>\rMAINPID=1</c> would set the service's main PID), a terminal obeys ANSI escapes, and bidirectional overrides
/// make a line read differently from what it says. Every such character becomes a visible escape (<c>\r</c>,
/// <c>\x1B</c>, <c>\u202E</c>), so nothing is lost and nothing is obeyed. The JSON report is not passed through here:
/// its serializer escapes, and it stays exact.
/// </summary>
internal static class SafeText
{
    /// <summary>One line: every control character (line feeds and tabs included) escaped.</summary>
    public static string OneLine(string? text) => Escape(text, keepLineFeeds: false);

    /// <summary>
    /// A block of lines (a diff, a stack trace): line feeds and tabs kept, every other control character escaped, so the
    /// block has exactly the lines it shows.
    /// </summary>
    public static string Lines(string? text) => Escape(text, keepLineFeeds: true);

    /// <summary>Whether <paramref name="text"/> would come out of <see cref="OneLine"/> unchanged.</summary>
    public static bool IsOneLine(string text)
    {
        for (var i = 0; i < text.Length; i++)
            if (IsUnsafe(text, i)) return false;
        return true;
    }

    private static string Escape(string? text, bool keepLineFeeds)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        var first = -1;
        for (var i = 0; i < text.Length; i++)
        {
            if (IsUnsafe(text, i) && !(keepLineFeeds && text[i] is '\n' or '\t'))
            {
                first = i;
                break;
            }
        }
        if (first < 0) return text;

        var output = new StringBuilder(text.Length + 16).Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (!IsUnsafe(text, i) || (keepLineFeeds && c is '\n' or '\t'))
            {
                output.Append(c);
                continue;
            }
            output.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\0' => "\\0",
                < '\u0100' => string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}"),
                _ => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
            });
        }
        return output.ToString();
    }

    /// <summary>
    /// C0 and C1 controls and DEL; Unicode line and paragraph separators (line breaks to some readers); bidirectional
    /// marks, embeddings, overrides and isolates; lone surrogates (not encodable, replaced by whoever encodes them).
    /// </summary>
    private static bool IsUnsafe(string text, int i)
    {
        var c = text[i];
        if (char.IsHighSurrogate(c)) return i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]);
        if (char.IsLowSurrogate(c)) return i == 0 || !char.IsHighSurrogate(text[i - 1]);
        return char.IsControl(c)
            || c is '\u2028' or '\u2029' or '\u200E' or '\u200F' or '\u061C'
            || c is >= '\u202A' and <= '\u202E'
            || c is >= '\u2066' and <= '\u2069';
    }
}
