using System.Text;
using System.Text.RegularExpressions;

namespace Ipv6Agent.Rendering.Netplan;

/// <summary>Writes YAML scalars that mean the same in YAML 1.1 (netplan's libyaml) and 1.2.</summary>
internal static partial class YamlText
{
    /// <summary>
    /// A double-quoted scalar. Addresses, MACs and routes are always quoted: YAML 1.1 reads <c>12:34:56</c> as a base-60
    /// number and some address forms as other types, and quoting costs nothing.
    /// </summary>
    public static string Quote(string value)
    {
        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => builder.Append("\\\""),
                '\\' => builder.Append("\\\\"),
                // Controls (C0, DEL, C1: NEL is a line break to YAML 1.1), line and paragraph separators, bidi controls,
                // the BOM: escaped, so the scalar stays on its line and reads back exactly.
                < '\u0100' when char.IsControl(c) => builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                '\uFEFF' or '\u2028' or '\u2029' or '\u200E' or '\u200F' or '\u061C' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069')
                    => builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => builder.Append(c),
            };
        }
        return builder.Append('"').ToString();
    }

    /// <summary>A mapping key: plain when it is an ordinary interface name, quoted otherwise (<c>yes</c>, <c>on</c>, numbers, odd characters).</summary>
    public static string Key(string value) =>
        SafePlain().IsMatch(value) && !Yaml11Special().IsMatch(value) ? value : Quote(value);

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_.-]*$")]
    private static partial Regex SafePlain();

    [GeneratedRegex("^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$")]
    private static partial Regex Yaml11Special();
}
