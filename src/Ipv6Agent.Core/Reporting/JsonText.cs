using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Ipv6Agent.Reporting;

/// <summary>The kinds of JSON value, as RFC 8259 names them.</summary>
internal enum JsonKind { Object, Array, String, Number, True, False, Null }

/// <summary>One parsed JSON value: a string's text or a number's digits, an array's items, an object's members in order.</summary>
internal sealed class JsonValue(JsonKind kind, string? text = null, List<JsonValue>? items = null, List<JsonMember>? members = null)
{
    public JsonKind Kind { get; } = kind;

    /// <summary>A string's value, or a number exactly as written.</summary>
    public string? Text { get; } = text;

    public IReadOnlyList<JsonValue> Items { get; } = items ?? [];

    public IReadOnlyList<JsonMember> Members { get; } = members ?? [];
}

internal sealed record JsonMember(string Name, JsonValue Value);

/// <summary>
/// A strict RFC 8259 reader for the one JSON file a short-lived process reads: the status file. Why not
/// System.Text.Json: loading it costs ~7 ms of a fresh process before the first token (any API: the serializer,
/// <see cref="JsonDocument"/> or <see cref="Utf8JsonReader"/>), a third of what <c>status</c> took. Same verdicts as
/// <see cref="JsonDocument"/> (a differential test holds it to that): UTF-8 with an optional BOM, no comments, no
/// trailing commas, depth at most 64; errors are <see cref="JsonException"/>s that say where.
/// </summary>
internal ref struct JsonText
{
    private const int MaxDepth = 64;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _utf8;
    private int _at;

    private JsonText(ReadOnlySpan<byte> utf8)
    {
        _utf8 = utf8;
        _at = 0;
    }

    /// <summary>The value <paramref name="utf8"/> holds; <see cref="JsonException"/> when it is not exactly one JSON value.</summary>
    public static JsonValue Parse(ReadOnlySpan<byte> utf8)
    {
        if (utf8.StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
        var reader = new JsonText(utf8);
        reader.SkipWhitespace();
        var value = reader.Value(0);
        reader.SkipWhitespace();
        if (reader._at != utf8.Length) throw reader.Error("more text after the JSON value");
        return value;
    }

    private JsonValue Value(int depth)
    {
        if (_at >= _utf8.Length) throw Error("the text ends where a value should be");
        switch (_utf8[_at])
        {
            case (byte)'{': return Object(depth + 1);
            case (byte)'[': return Array(depth + 1);
            case (byte)'"': return new JsonValue(JsonKind.String, String());
            case (byte)'t': Literal("true"u8); return new JsonValue(JsonKind.True);
            case (byte)'f': Literal("false"u8); return new JsonValue(JsonKind.False);
            case (byte)'n': Literal("null"u8); return new JsonValue(JsonKind.Null);
            case (byte)'-' or (>= (byte)'0' and <= (byte)'9'): return new JsonValue(JsonKind.Number, Number());
            default: throw Error($"'{(char)_utf8[_at]}' cannot start a value");
        }
    }

    private JsonValue Object(int depth)
    {
        if (depth > MaxDepth) throw Error($"nested deeper than {MaxDepth}");
        _at++;
        var members = new List<JsonMember>();
        SkipWhitespace();
        if (Peek() == '}')
        {
            _at++;
            return new JsonValue(JsonKind.Object, members: members);
        }
        while (true)
        {
            if (Peek() != '"') throw Error("a property name must be a string");
            var name = String();
            SkipWhitespace();
            Expect(':');
            SkipWhitespace();
            members.Add(new JsonMember(name, Value(depth)));
            SkipWhitespace();
            if (Peek() == ',')
            {
                _at++;
                SkipWhitespace();
                continue;
            }
            Expect('}');
            return new JsonValue(JsonKind.Object, members: members);
        }
    }

    private JsonValue Array(int depth)
    {
        if (depth > MaxDepth) throw Error($"nested deeper than {MaxDepth}");
        _at++;
        var items = new List<JsonValue>();
        SkipWhitespace();
        if (Peek() == ']')
        {
            _at++;
            return new JsonValue(JsonKind.Array, items: items);
        }
        while (true)
        {
            items.Add(Value(depth));
            SkipWhitespace();
            if (Peek() == ',')
            {
                _at++;
                SkipWhitespace();
                continue;
            }
            Expect(']');
            return new JsonValue(JsonKind.Array, items: items);
        }
    }

    private string String()
    {
        var start = ++_at;
        StringBuilder? unescaped = null;
        var runStart = start;
        while (true)
        {
            if (_at >= _utf8.Length) throw Error("a string is not closed");
            var b = _utf8[_at];
            if (b == '"') break;
            if (b < 0x20) throw Error("a control character must be escaped in a string");
            if (b != '\\')
            {
                _at++;
                continue;
            }
            unescaped ??= new StringBuilder();
            unescaped.Append(Decode(_utf8[runStart.._at]));
            _at++;
            var escape = _at < _utf8.Length ? _utf8[_at] : (byte)0;
            _at++;
            switch (escape)
            {
                case (byte)'"': unescaped.Append('"'); break;
                case (byte)'\\': unescaped.Append('\\'); break;
                case (byte)'/': unescaped.Append('/'); break;
                case (byte)'b': unescaped.Append('\b'); break;
                case (byte)'f': unescaped.Append('\f'); break;
                case (byte)'n': unescaped.Append('\n'); break;
                case (byte)'r': unescaped.Append('\r'); break;
                case (byte)'t': unescaped.Append('\t'); break;
                case (byte)'u':
                    var unit = Hex4();
                    if (char.IsHighSurrogate(unit))
                    {
                        if (!_utf8[_at..].StartsWith("\\u"u8)) throw Error("a \\u escape holds half a surrogate pair");
                        _at += 2;
                        var low = Hex4();
                        if (!char.IsLowSurrogate(low)) throw Error("a \\u escape holds half a surrogate pair");
                        unescaped.Append(unit).Append(low);
                    }
                    else if (char.IsLowSurrogate(unit))
                        throw Error("a \\u escape holds half a surrogate pair");
                    else
                        unescaped.Append(unit);
                    break;
                default: throw Error("a backslash starts no known escape");
            }
            runStart = _at;
        }
        var text = unescaped is null
            ? Decode(_utf8[start.._at])
            : unescaped.Append(Decode(_utf8[runStart.._at])).ToString();
        _at++;
        return text;
    }

    private char Hex4()
    {
        if (_at + 4 > _utf8.Length ||
            !ushort.TryParse(_utf8.Slice(_at, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var unit))
            throw Error("\\u must be followed by 4 hex digits");
        _at += 4;
        return (char)unit;
    }

    private string Decode(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException)
        {
            throw Error("a string is not valid UTF-8");
        }
    }

    private string Number()
    {
        var start = _at;
        if (Peek() == '-') _at++;
        if (Peek() == '0') _at++;
        else if (Digits() == 0) throw Error("a number needs digits");
        if (Peek() == '.')
        {
            _at++;
            if (Digits() == 0) throw Error("a number needs digits after its '.'");
        }
        if (Peek() is 'e' or 'E')
        {
            _at++;
            if (Peek() is '+' or '-') _at++;
            if (Digits() == 0) throw Error("a number needs digits in its exponent");
        }
        return Encoding.ASCII.GetString(_utf8[start.._at]);
    }

    private int Digits()
    {
        var start = _at;
        while (Peek() is >= '0' and <= '9') _at++;
        return _at - start;
    }

    private void Literal(ReadOnlySpan<byte> word)
    {
        if (!_utf8[_at..].StartsWith(word)) throw Error("expected true, false or null");
        _at += word.Length;
    }

    private void Expect(char c)
    {
        if (Peek() != c) throw Error(_at >= _utf8.Length ? $"the text ends where '{c}' should be" : $"expected '{c}', found '{(char)_utf8[_at]}'");
        _at++;
    }

    private readonly char Peek() => _at < _utf8.Length ? (char)_utf8[_at] : '\0';

    private void SkipWhitespace()
    {
        while (_at < _utf8.Length && _utf8[_at] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r') _at++;
    }

    private readonly JsonException Error(string what)
    {
        var line = 1;
        var column = 1;
        for (var i = 0; i < _at && i < _utf8.Length; i++)
        {
            if (_utf8[i] == '\n')
            {
                line++;
                column = 1;
            }
            else if ((_utf8[i] & 0xC0) != 0x80)
                column++;
        }
        return new JsonException($"invalid JSON at line {line}, column {column}: {what}");
    }
}
