using System.Text;

namespace Ipv6Agent.Imds;

/// <summary>
/// The limits an IMDS answer must meet before anything reads it. Every value the agent asks IMDS for (IDs, a region,
/// MACs, addresses, prefixes, a token) is a few lines of ASCII: a real answer is well under a kilobyte, so anything
/// larger, not UTF-8 or holding a control character is not IMDS, and is refused before it can reach a header, a log
/// line or a rendered file.
/// </summary>
internal static class ImdsAnswer
{
    /// <summary>Room for ENI listings far beyond EC2's limits, and still small enough to hold without thought.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Real IMDSv2 tokens are 56 characters of base64; IMDS documents no bound, so allow room.</summary>
    public const int MaxTokenLength = 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads at most <see cref="MaxBodyBytes"/>; <c>null</c> when the body is larger.</summary>
    public static async Task<byte[]?> ReadBoundedAsync(HttpContent content, CancellationToken ct)
    {
        if (content.Headers.ContentLength > MaxBodyBytes) return null;
        var stream = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using var _ = stream.ConfigureAwait(false);
        var buffer = new byte[MaxBodyBytes + 1];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), ct).ConfigureAwait(false);
            if (read == 0) return buffer[..filled];
            filled += read;
        }
        return null;
    }

    /// <summary>
    /// The body as text when it is IMDS text (printable ASCII in lines; the charset a server claims is ignored), else
    /// why not. Only answers the agent will parse are held to it: an error page only has to be describable.
    /// </summary>
    public static string? Text(byte[] body, out string? why)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            why = "an answer that is not UTF-8 text";
            return null;
        }
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is >= ' ' and <= '~' or '\n' or '\r' or '\t') continue;
            why = $"an answer holding U+{(int)c:X4} at character {i} (IMDS values are printable ASCII)";
            return null;
        }
        why = null;
        return text;
    }

    /// <summary>Text for an answer that is only described (an error status): never refused, never exact.</summary>
    public static string Lenient(byte[] body) => Encoding.UTF8.GetString(body);

    /// <summary>
    /// Why <paramref name="token"/> cannot be sent back as a header, or <c>null</c> when it can: it goes into every
    /// request, and a CR, LF or NUL there would be a header injection (and an exception in the HTTP stack).
    /// </summary>
    public static string? TokenProblem(string token)
    {
        if (token.Length == 0) return "an empty token";
        if (token.Length > MaxTokenLength) return $"a token of {token.Length} characters (at most {MaxTokenLength})";
        for (var i = 0; i < token.Length; i++)
        {
            if (token[i] is < '!' or > '~')
                return $"a token holding U+{(int)token[i]:X4} at character {i} (a token is visible ASCII)";
        }
        return null;
    }

    /// <summary>
    /// The lifetime to trust: what IMDS says, but never longer than was asked for (IMDS never grants more) and at least a
    /// second; what was asked for when the header is absent or not a whole number.
    /// </summary>
    public static TimeSpan TokenLifetime(string? header, TimeSpan asked)
    {
        var value = header?.Trim();
        if (string.IsNullOrEmpty(value) || !value.All(char.IsAsciiDigit)) return asked;
        // Digits only: anything that does not fit a long is at least as long as what was asked for.
        if (!long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            || seconds >= (long)asked.TotalSeconds)
            return asked;
        return TimeSpan.FromSeconds(Math.Max(1, seconds));
    }
}
