using System.Net;
using System.Net.Sockets;
using Ipv6Agent.Addressing;

namespace Ipv6Agent.Rendering.Netplan;

/// <summary>
/// Removes addresses of the Docker CIDR from netplan files the agent does not own (cloud-init's <c>50-cloud-init.yaml</c>, a
/// person's own file). netplan concatenates <c>addresses</c> lists across files, so an override cannot take one away: it has to
/// be cut from the file that lists it, or the kernel would put a container's address on the ENI too.
/// </summary>
/// <remarks>
/// The edit is text surgery on spans from YamlDotNet's parser marks, not a re-serialisation: every other byte of the file,
/// comments and formatting included, stays as it was, and a person's diff shows only the removed addresses.
/// </remarks>
internal static class NetplanCleaner
{
    /// <summary>
    /// <paramref name="text"/> without any interface address inside <paramref name="dockerCidr"/> (every device type, every
    /// spelling, flow and block lists, the <c>"addr/len": {lifetime: 0}</c> form). An <c>addresses</c> key whose list becomes
    /// empty is removed, or written <c>[]</c> when it is the definition's only key. Returns the same string when nothing matches.
    /// </summary>
    /// <exception cref="RenderingException">The text is not valid YAML.</exception>
    public static string RemoveAddressesIn(string text, IPNetwork dockerCidr, string hostPath)
    {
        var edits = new List<TextEdit>();
        foreach (var document in LocatedYaml.Parse(text, hostPath))
        {
            if (document is not LocatedMapping root || root["network"] is not LocatedMapping network) continue;
            foreach (var (_, devices) in network.Entries)
            {
                if (devices is not LocatedMapping definitions) continue;
                foreach (var (_, definition) in definitions.Entries)
                {
                    if (definition is not LocatedMapping device) continue;
                    foreach (var entry in device.Entries)
                    {
                        if (entry.Key is LocatedScalar { Value: "addresses" } && entry.Value is LocatedSequence list)
                            edits.AddRange(EditsFor(text, device, entry, list, dockerCidr));
                    }
                }
            }
        }
        return TextSurgery.Apply(text, edits);
    }

    private static IEnumerable<TextEdit> EditsFor(
        string text, LocatedMapping device, KeyValuePair<LocatedNode, LocatedNode> entry, LocatedSequence list, IPNetwork dockerCidr)
    {
        var remove = list.Items.Select(item => IsInside(item, dockerCidr)).ToArray();
        if (!remove.Contains(true)) return [];

        if (remove.All(r => r))
        {
            if (device.Entries.Count > 1) return [RemoveEntry(text, device, entry)];
            // netplan refuses a definition with no keys ("expected mapping"), so the only key stays, empty.
            return [new TextEdit(entry.Key.End, list.End, ": []")];
        }

        return list.Flow
            ? FlowRemovals(list.Items, remove, (a, b) => (a.Start, a.End, b?.Start))
            : list.Items.Where((_, i) => remove[i]).Select(item =>
            {
                var dash = TextSurgery.DashBefore(text, item.Start);
                return TextSurgery.BlockRemoval(text, dash >= 0 ? dash : item.Start, item.End);
            }).ToList();
    }

    private static TextEdit RemoveEntry(string text, LocatedMapping mapping, KeyValuePair<LocatedNode, LocatedNode> entry)
    {
        if (!mapping.Flow) return TextSurgery.BlockRemoval(text, entry.Key.Start, entry.Value.End);
        var remove = mapping.Entries.Select(e => e.Key == entry.Key).ToArray();
        return FlowRemovals(mapping.Entries, remove, (a, b) => (a.Key.Start, a.Value.End, b.Key?.Start)).Single();
    }

    /// <summary>
    /// Removals in a flow collection: an item followed by another goes with everything up to that one (its comma and spacing);
    /// the trailing run of removed items goes from the end of the last kept item, taking the comma before them.
    /// </summary>
    private static List<TextEdit> FlowRemovals<T>(IReadOnlyList<T> items, bool[] remove, Func<T, T?, (int Start, int End, int? NextStart)> span)
    {
        var lastKept = Array.LastIndexOf(remove, false);
        var edits = new List<TextEdit>();
        for (var i = 0; i <= lastKept; i++)
        {
            if (!remove[i]) continue;
            var (start, _, nextStart) = span(items[i], items[i + 1]);
            edits.Add(new TextEdit(start, nextStart!.Value));
        }
        if (lastKept < items.Count - 1)
            edits.Add(new TextEdit(span(items[lastKept], default).End, span(items[^1], default).End));
        return edits;
    }

    private static bool IsInside(LocatedNode item, IPNetwork dockerCidr)
    {
        var text = item switch
        {
            LocatedScalar scalar => scalar.Value,
            // netplan's long form: - "2001:db8::9/64": {lifetime: 0, label: …}
            LocatedMapping { Entries: [{ Key: LocatedScalar key }, ..] } => key.Value,
            _ => null,
        };
        return PrefixedAddress.TryParse(text?.Trim(), out var address) &&
               address.Address.AddressFamily == AddressFamily.InterNetworkV6 &&
               dockerCidr.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6 &&
               dockerCidr.Contains(address.Address);
    }
}
