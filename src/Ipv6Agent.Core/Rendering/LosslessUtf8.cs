using System.Text;

namespace Ipv6Agent.Rendering;

/// <summary>
/// Bytes ↔ string for the files the agent edits, keeping every byte: valid UTF-8 decodes as usual (a BOM included, as
/// U+FEFF), and each byte that is not part of valid UTF-8 becomes the lone surrogate U+DC80–U+DCFF (Python's
/// "surrogateescape"), which encodes back to that byte. A lone low surrogate never comes out of valid UTF-8 (UTF-8 cannot
/// encode surrogates), so the mapping is exact both ways. <see cref="Encoding.UTF8"/> would turn such a byte into U+FFFD
/// and the rewrite (or the pass journal) would change a line the agent never meant to touch.
/// </summary>
internal static class LosslessUtf8
{
    private const char EscapeBase = '\uDC00';

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        // The common case in one call (GetString keeps a BOM as U+FEFF; only readers strip it).
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return Strict.GetString(bytes);
        var text = new StringBuilder(bytes.Length);
        Span<char> pair = stackalloc char[2];
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out var rune, out var consumed) == System.Buffers.OperationStatus.Done)
            {
                text.Append(pair[..rune.EncodeToUtf16(pair)]);
                bytes = bytes[consumed..];
                continue;
            }

            // One byte at a time: the next one may start a valid sequence.
            text.Append((char)(EscapeBase + bytes[0]));
            bytes = bytes[1..];
        }

        return text.ToString();
    }

    /// <exception cref="ArgumentException">The text holds a lone surrogate that no decoded byte stands for (a renderer's bug).</exception>
    public static byte[] Encode(string text)
    {
        if (text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0) return Strict.GetBytes(text);
        var bytes = new List<byte>(text.Length + 16);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var length = new Rune(c, text[i + 1]).EncodeToUtf8(utf8);
                foreach (var b in utf8[..length]) bytes.Add(b);
                i++;
                continue;
            }

            if (c is >= '\uDC80' and <= '\uDCFF')
            {
                bytes.Add((byte)(c - EscapeBase));
                continue;
            }

            if (char.IsSurrogate(c)) throw new ArgumentException($"a lone surrogate U+{(int)c:X4} at {i} stands for no byte", nameof(text));
            var n = new Rune(c).EncodeToUtf8(utf8);
            foreach (var b in utf8[..n]) bytes.Add(b);
        }

        return [.. bytes];
    }
}
