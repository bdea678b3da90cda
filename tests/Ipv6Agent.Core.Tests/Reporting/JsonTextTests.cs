using System.Text;
using System.Text.Json;

namespace Ipv6Agent.Reporting;

/// <summary>The status file's JSON reader must give System.Text.Json's verdict and values on every input.</summary>
public sealed class JsonTextTests
{
    public static TheoryData<string> Documents => new()
    {
        "{}",
        "[]",
        " \t\r\n{ \"a\" : [ 1 , -0.5e+3, 0, 12E-2, true, false, null ] } \n",
        "\"only a string\"",
        "-0",
        """{"escapes": "\" \\ \/ \b \f \n \r \t \u00e9 \u20AC \ud83d\ude00 end", "raw": "été € 😀"}""",
        """{"dup": 1, "dup": 2}""",
        """{"": {"": [[], {}]}}""",
    };

    public static TheoryData<string> NotJson => new()
    {
        "",
        "   ",
        "{",
        "{\"a\" 1}",
        "{\"a\": 1,}",
        "[1, 2,]",
        "[1 2]",
        "{a: 1}",
        "{'a': 1}",
        "// comment\n{}",
        "{} {}",
        "{} x",
        "01",
        "1.",
        ".5",
        "+1",
        "1e",
        "-",
        "tru",
        "nul",
        "True",
        "\"tab\there\"",
        "\"bad \\x escape\"",
        "\"short \\u12 escape\"",
        "\"unclosed",
        "NaN",
        "\"\\ud83d alone\"",
    };

    [Theory]
    [MemberData(nameof(Documents))]
    public void Parse_ValidJson_GivesSystemTextJsonsValues(string json)
    {
        Assert.Equal(Reference(Encoding.UTF8.GetBytes(json)), Canonical(JsonText.Parse(Encoding.UTF8.GetBytes(json))));
    }

    [Theory]
    [MemberData(nameof(NotJson))]
    public void Parse_NotJson_IsAJsonExceptionThatSaysWhere(string text)
    {
        var error = Assert.Throws<JsonException>(() => JsonText.Parse(Encoding.UTF8.GetBytes(text)));

        Assert.StartsWith("invalid JSON at line ", error.Message);
        Assert.StartsWith("error", Reference(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void Parse_LeadingBom_IsSkippedAsReadAllTextDid()
    {
        Assert.Equal(Reference("{\"bom\": true}"u8.ToArray()), Canonical(JsonText.Parse("\uFEFF{\"bom\": true}"u8)));
    }

    [Fact]
    public void Parse_InvalidUtf8InAString_IsRefused()
    {
        byte[] json = [(byte)'"', 0xC3, 0x28, (byte)'"'];

        Assert.Throws<JsonException>(() => JsonText.Parse(json));
        Assert.StartsWith("error", Reference(json));
    }

    [Fact]
    public void Parse_Nesting_StopsAtSystemTextJsonsDepthOf64()
    {
        var deepest = Encoding.UTF8.GetBytes(new string('[', 64) + new string(']', 64));
        var tooDeep = Encoding.UTF8.GetBytes(new string('[', 65) + new string(']', 65));

        Assert.Equal(Reference(deepest), Canonical(JsonText.Parse(deepest)));
        Assert.Throws<JsonException>(() => JsonText.Parse(tooDeep));
        Assert.StartsWith("error", Reference(tooDeep));
    }

    [Fact]
    public void Parse_ErrorPosition_CountsLinesAndCharacters()
    {
        var error = Assert.Throws<JsonException>(() => JsonText.Parse("{\n  \"é\": x\n}"u8));

        Assert.Equal("invalid JSON at line 2, column 8: 'x' cannot start a value", error.Message);
    }

    /// <summary>
    /// Reports and random documents, then each one mutated at random (characters deleted, inserted, swapped):
    /// whatever the bytes, both readers must agree on whether it is JSON and, when it is, on every value.
    /// </summary>
    [Fact]
    public void Parse_RandomAndMutatedDocuments_AgreesWithSystemTextJson()
    {
        var random = new Random(20261127);
        var seeds = new List<byte[]>();
        foreach (var row in ReportJsonTests.Reports)
            seeds.Add(Encoding.UTF8.GetBytes(row.Data));
        for (var i = 0; i < 300; i++)
            seeds.Add(Encoding.UTF8.GetBytes(RandomValue(random, 0)));

        const string pieces = "{}[]\",:\\/ \t\n0123456789.-+eEtrufalsnbu\u00e9x";
        var valid = 0;
        var invalid = 0;
        for (var n = 0; n < 20000; n++)
        {
            var bytes = seeds[random.Next(seeds.Count)].ToList();
            var mutations = n % 4 == 0 ? 0 : random.Next(1, 4);
            for (var m = 0; m < mutations && bytes.Count > 0; m++)
            {
                var at = random.Next(bytes.Count);
                switch (random.Next(3))
                {
                    case 0: bytes.RemoveAt(at); break;
                    case 1: bytes.InsertRange(at, Encoding.UTF8.GetBytes(pieces[random.Next(pieces.Length)].ToString())); break;
                    default: bytes[at] = (byte)pieces[random.Next(pieces.Length - 1)]; break;
                }
            }
            var input = bytes.ToArray();
            var expected = Reference(input);
            string actual;
            try
            {
                actual = Canonical(JsonText.Parse(input));
                valid++;
            }
            catch (JsonException)
            {
                actual = "error";
                invalid++;
            }
            Assert.True(expected.StartsWith("error", StringComparison.Ordinal) ? actual == "error" : actual == expected,
                $"disagrees with System.Text.Json on: {Encoding.UTF8.GetString(input)}\nexpected: {expected}\nactual:   {actual}");
        }
        // Both sides of the verdict must be well exercised, or this test proves little.
        Assert.InRange(valid, 3000, 20000);
        Assert.InRange(invalid, 3000, 20000);
    }

    private static string RandomValue(Random random, int depth)
    {
        string Space() => random.Next(4) switch { 0 => "", 1 => " ", 2 => "\n  ", _ => "\t" };
        switch (depth > 4 ? random.Next(4) : random.Next(7))
        {
            case 0: return random.Next(3) switch { 0 => "true", 1 => "false", _ => "null" };
            case 1: return (random.Next(3) switch { 0 => "-", _ => "" }) + random.Next(1000) + (random.Next(2) == 0 ? "" : "." + random.Next(100)) +
                           (random.Next(3) == 0 ? "e" + (random.Next(2) == 0 ? "-" : "+") + random.Next(20) : "");
            case 2 or 3:
                string[] parts = ["a", "ok", " ", "é", "😀", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\ud83d\\ude00", "\\t", "2001:db8::1/64"];
                var text = new StringBuilder("\"");
                for (var i = random.Next(5); i > 0; i--) text.Append(parts[random.Next(parts.Length)]);
                return text.Append('"').ToString();
            case 4:
                return "[" + Space() + string.Join("," + Space(), Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, depth + 1))) + Space() + "]";
            default:
                return "{" + Space() + string.Join("," + Space(), Enumerable.Range(0, random.Next(4))
                    .Select(i => "\"" + (char)('a' + random.Next(3)) + "\"" + Space() + ":" + Space() + RandomValue(random, depth + 1))) + Space() + "}";
        }
    }

    private static string Canonical(JsonValue value) => value.Kind switch
    {
        JsonKind.Object => "{" + string.Join(",", value.Members.Select(m => Quote(m.Name) + ":" + Canonical(m.Value))) + "}",
        JsonKind.Array => "[" + string.Join(",", value.Items.Select(Canonical)) + "]",
        JsonKind.String => Quote(value.Text!),
        JsonKind.Number => "n" + value.Text,
        JsonKind.True => "true",
        JsonKind.False => "false",
        _ => "null",
    };

    /// <summary>System.Text.Json's reading of the bytes, in <see cref="Canonical(JsonValue)"/>'s form, or "error ...".</summary>
    private static string Reference(byte[] utf8)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8);
            return Canonical(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not valid UTF-16 (half a surrogate pair), refused on reading.
            return "error: " + e.Message;
        }
    }

    private static string Canonical(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(",", element.EnumerateObject().Select(p => Quote(p.Name) + ":" + Canonical(p.Value))) + "}",
        JsonValueKind.Array => "[" + string.Join(",", element.EnumerateArray().Select(Canonical)) + "]",
        JsonValueKind.String => Quote(element.GetString()!),
        JsonValueKind.Number => "n" + element.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => "null",
    };

    private static string Quote(string text) => "\"" + string.Concat(text.Select(c => c is < ' ' or '"' or '\\' or > '~' ? $"\\u{(int)c:x4}" : c.ToString())) + "\"";
}
