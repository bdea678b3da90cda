using Ipv6Agent.Addressing;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Ipv6Agent.Rendering.Netplan;

/// <summary>An <c>ethernets</c> entry that defines the ENI, and where.</summary>
public sealed record NetplanEthernet(string Id, string? SetName, string DefinedIn);

/// <summary>Finds which netplan ID already defines an interface, so our override merges into it instead of creating a second definition.</summary>
public static class NetplanInventory
{
    /// <summary>
    /// The <c>ethernets</c> entry whose <c>match.macaddress</c> is <paramref name="mac"/>, else the entry named
    /// <paramref name="kernelName"/>. Files are searched in name order, as netplan merges them.
    /// </summary>
    public static NetplanEthernet? FindEthernet(IReadOnlyList<(string Path, string Text)> files, MacAddress mac, string? kernelName)
    {
        NetplanEthernet? byName = null;
        foreach (var (path, text) in files.OrderBy(f => Path.GetFileName(f.Path), StringComparer.Ordinal))
        {
            foreach (var (id, entry) in Ethernets(path, text))
            {
                var setName = Scalar(entry, "set-name");
                if (entry.Children.TryGetValue(new YamlScalarNode("match"), out var match) && match is YamlMappingNode matchMap
                    && MacAddress.TryParse(Scalar(matchMap, "macaddress"), out var matched) && matched == mac)
                    return new NetplanEthernet(id, setName, path);
                if (byName is null && kernelName is not null && id == kernelName)
                    byName = new NetplanEthernet(id, setName, path);
            }
        }
        return byName;
    }

    private static IEnumerable<(string Id, YamlMappingNode Entry)> Ethernets(string path, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new RenderingException(path, $"is not valid YAML (line {e.Start.Line}, column {e.Start.Column}: {e.Message}); fix or remove it, then run the agent again");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root) yield break;
        if (!root.Children.TryGetValue(new YamlScalarNode("network"), out var network) || network is not YamlMappingNode networkMap) yield break;
        if (!networkMap.Children.TryGetValue(new YamlScalarNode("ethernets"), out var ethernets) || ethernets is not YamlMappingNode ethernetMap) yield break;
        foreach (var (key, value) in ethernetMap.Children)
        {
            if (key is YamlScalarNode { Value: { } id } && value is YamlMappingNode entry)
                yield return (id, entry);
        }
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode scalar ? scalar.Value : null;
}
