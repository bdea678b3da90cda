using Ipv6Agent.Addressing;

namespace Ipv6Agent.Rendering.Netplan;

/// <summary>Finds which netplan ID already defines an interface, so the agent's override can use the same ID and netplan merges the two.</summary>
internal static class NetplanInventory
{
    /// <summary>
    /// The <c>ethernets</c> entry whose <c>match.macaddress</c> is <paramref name="mac"/>; else the entry named
    /// <paramref name="kernelName"/>; <c>null</c> when neither exists. Files are searched in netplan's order (by file name),
    /// the first hit wins.
    /// </summary>
    /// <exception cref="RenderingException">A file is not valid YAML.</exception>
    public static NetplanEthernet? FindEthernet(IReadOnlyList<(string Path, string Text)> files, MacAddress mac, string? kernelName)
    {
        var ethernets = files
            .OrderBy(f => System.IO.Path.GetFileName(f.Path), StringComparer.Ordinal)
            .ThenBy(f => f.Path, StringComparer.Ordinal)
            .SelectMany(f => EthernetsIn(f.Path, f.Text))
            .ToList();

        var byMac = ethernets.FirstOrDefault(e => e.Mac == mac);
        if (byMac.Id is not null) return new NetplanEthernet(byMac.Id, byMac.SetName, byMac.Path);

        var byName = kernelName is null ? default : ethernets.FirstOrDefault(e => e.Id == kernelName);
        return byName.Id is null ? null : new NetplanEthernet(byName.Id, byName.SetName, byName.Path);
    }

    private static IEnumerable<(string Id, MacAddress? Mac, string? SetName, string Path)> EthernetsIn(string path, string text)
    {
        foreach (var document in LocatedYaml.Parse(text, path))
        {
            if (document is not LocatedMapping root || root["network"] is not LocatedMapping network ||
                network["ethernets"] is not LocatedMapping ethernets)
                continue;
            foreach (var (key, value) in ethernets.Entries)
            {
                if (key is not LocatedScalar id || value is not LocatedMapping definition) continue;
                MacAddress? mac = definition["match"] is LocatedMapping match &&
                                  match["macaddress"] is LocatedScalar macText &&
                                  MacAddress.TryParse(macText.Value, out var parsed)
                    ? parsed
                    : null;
                var setName = (definition["set-name"] as LocatedScalar)?.Value;
                yield return (id.Value, mac, setName, path);
            }
        }
    }
}
