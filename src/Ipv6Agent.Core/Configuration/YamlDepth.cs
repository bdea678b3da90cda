using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Ipv6Agent.Configuration;

/// <summary>
/// Refuses YAML nested deeper than a limit before anything builds a tree of it. Why: YamlDotNet's parser is a state
/// machine (no recursion), but <c>YamlStream</c> builds nodes recursively, so 100,000 <c>[</c> overflow the stack and
/// end the process (exit 134, nothing a catch can turn into exit 78). The error names the key where it got too deep.
/// </summary>
internal static class YamlDepth
{
    public static void Check(string text, int maxDepth)
    {
        var parser = new Parser(new StringReader(text));
        var frames = new List<Frame>();
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case MappingStart or SequenceStart:
                    if (frames.Count == maxDepth)
                    {
                        var at = parser.Current!.Start;
                        throw new ConfigurationException(Path(frames),
                            $"nested deeper than {maxDepth} levels (line {at.Line}, column {at.Column}); the configuration is a few keys deep");
                    }
                    frames.Add(new Frame(parser.Current is MappingStart));
                    break;
                case MappingEnd or SequenceEnd:
                    frames.RemoveAt(frames.Count - 1);
                    Completed(frames, key: "?");
                    break;
                case Scalar scalar:
                    Completed(frames, scalar.Value);
                    break;
                case AnchorAlias:
                    Completed(frames, "?");
                    break;
            }
        }
    }

    /// <summary>A node ended inside the innermost collection: in a mapping, it was a key or a value, in turn.</summary>
    private static void Completed(List<Frame> frames, string key)
    {
        if (frames.Count == 0 || !frames[^1].IsMapping) return;
        var frame = frames[^1];
        if (frame.ExpectsKey) frame.Key = key;
        frame.ExpectsKey = !frame.ExpectsKey;
    }

    /// <summary>The dotted keys down to where the nesting went too deep (<c>probe.targets</c>), or <c>null</c> at the top.</summary>
    private static string? Path(List<Frame> frames)
    {
        var keys = frames.Where(f => f.IsMapping && f.Key is not null).Select(f => f.Key!.Length <= 40 ? f.Key : f.Key[..40] + "…").ToList();
        if (keys.Count == 0) return null;
        var path = string.Join('.', keys);
        return path.Length <= 120 ? path : path[..120] + "…";
    }

    private sealed class Frame(bool isMapping)
    {
        public bool IsMapping { get; } = isMapping;

        public bool ExpectsKey { get; set; } = true;

        public string? Key { get; set; }
    }
}
