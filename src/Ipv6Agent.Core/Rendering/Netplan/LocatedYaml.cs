using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Ipv6Agent.Rendering.Netplan;

/// <summary>
/// A YAML node with the character span it occupies in the source text, so edits can cut exactly that span and
/// leave every other byte (comments, quoting, indentation) as it was. A plain object model would lose all of that.
/// </summary>
/// <param name="Start">Index of the node's first character (a scalar's opening quote, a flow collection's bracket).</param>
/// <param name="End">Index just past the node's last character (a flow collection's closing bracket included).</param>
internal abstract record LocatedNode(int Start, int End);

internal sealed record LocatedScalar(int Start, int End, string Value) : LocatedNode(Start, End);

/// <summary>An alias (<c>*name</c>): its target is elsewhere, it is never edited in place.</summary>
internal sealed record LocatedAlias(int Start, int End) : LocatedNode(Start, End);

internal sealed record LocatedSequence(int Start, int End, bool Flow, IReadOnlyList<LocatedNode> Items) : LocatedNode(Start, End);

internal sealed record LocatedMapping(int Start, int End, bool Flow, IReadOnlyList<KeyValuePair<LocatedNode, LocatedNode>> Entries) : LocatedNode(Start, End)
{
    /// <summary>The value of the first entry whose key is the plain text <paramref name="key"/>.</summary>
    public LocatedNode? this[string key] =>
        Entries.FirstOrDefault(e => e.Key is LocatedScalar s && s.Value == key).Value;
}

/// <summary>Reads YAML into <see cref="LocatedNode"/>s with source spans, using YamlDotNet's parser events and their marks.</summary>
internal static partial class LocatedYaml
{
    /// <summary>The root node of every document in <paramref name="text"/>.</summary>
    /// <exception cref="RenderingException">The text is not valid YAML; the message quotes the parser's line and column.</exception>
    public static IReadOnlyList<LocatedNode> Parse(string text, string hostPath)
    {
        var lastGood = Mark.Empty;
        // A UTF-8 BOM, which libyaml (and so netplan) skips and YamlDotNet does not: read as a line break, the same length, so
        // every index still points into the file's own text; the line in an error is put back below.
        var bom = text.StartsWith('\uFEFF');
        try
        {
            var parser = new Parser(new StringReader(bom ? "\n" + text[1..] : text));
            parser.Consume<StreamStart>();
            var documents = new List<LocatedNode>();
            while (parser.TryConsume<DocumentStart>(out _))
            {
                documents.Add(ReadNode(parser, ref lastGood));
                parser.Consume<DocumentEnd>();
            }
            parser.Consume<StreamEnd>();
            return documents;
        }
        catch (YamlException e)
        {
            throw Invalid(hostPath, bom ? new Mark(e.Start.Index, Math.Max(1, e.Start.Line - 1), e.Start.Column) : e.Start, Reason(e));
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this (with no position) on some malformed input, e.g. an unclosed flow list;
            // the last event it did read is the best position there is.
            throw Invalid(hostPath, lastGood, "the parser stopped after this point (an unclosed [ or {, or a broken indentation?)");
        }
    }

    private static RenderingException Invalid(string hostPath, Mark at, string reason) => new(hostPath,
        $"{hostPath}:{at.Line}:{at.Column}: invalid YAML: {reason}. " +
        "netplan cannot read this file either; fix it (`netplan generate` shows the same error) and run ipv6-agent again. The file was left unchanged.");

    private static LocatedNode ReadNode(IParser parser, ref Mark lastGood)
    {
        var start = parser.Current!;
        lastGood = start.Start;
        parser.MoveNext();
        switch (start)
        {
            case Scalar scalar:
                return new LocatedScalar((int)scalar.Start.Index, (int)scalar.End.Index, scalar.Value);
            case AnchorAlias alias:
                return new LocatedAlias((int)alias.Start.Index, (int)alias.End.Index);
            case SequenceStart sequence:
            {
                var items = new List<LocatedNode>();
                while (parser.Current is not SequenceEnd) items.Add(ReadNode(parser, ref lastGood));
                var end = EndOf(sequence.Style == SequenceStyle.Flow, parser.Current!, items.LastOrDefault(), sequence);
                parser.MoveNext();
                return new LocatedSequence((int)sequence.Start.Index, end, sequence.Style == SequenceStyle.Flow, items);
            }
            case MappingStart mapping:
            {
                var entries = new List<KeyValuePair<LocatedNode, LocatedNode>>();
                while (parser.Current is not MappingEnd)
                {
                    var key = ReadNode(parser, ref lastGood);
                    entries.Add(new(key, ReadNode(parser, ref lastGood)));
                }
                var end = EndOf(mapping.Style == MappingStyle.Flow, parser.Current!, entries.LastOrDefault().Value, mapping);
                parser.MoveNext();
                return new LocatedMapping((int)mapping.Start.Index, end, mapping.Style == MappingStyle.Flow, entries);
            }
            default:
                throw new YamlException(start.Start, start.End, $"unexpected {start.GetType().Name}");
        }
    }

    // A flow collection's end event sits on its closing bracket; a block collection's end event sits on whatever
    // token follows it (often lines later), so its content ends where its last child ends.
    private static int EndOf(bool flow, ParsingEvent endEvent, LocatedNode? last, ParsingEvent startEvent) =>
        flow ? (int)endEvent.Start.Index + 1 : last?.End ?? (int)startEvent.End.Index;

    // YamlDotNet prefixes its message with "(Line: …, Col: …, Idx: …) - (…): ", which the caller already says better.
    private static string Reason(YamlException e) => MarkPrefix().Replace(e.Message, "").TrimEnd('.');

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex MarkPrefix();
}
