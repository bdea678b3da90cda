using System.Net;
using Ipv6Agent.Addressing;

namespace Ipv6Agent.Planning;

/// <summary>
/// The block rule: the largest aligned power-of-two block of at least 4 addresses (/126) lying wholly inside the ENI's
/// addresses and leaving at least one outside it for the host; on a tie, the lowest.
/// </summary>
internal static class AlignedBlock
{
    private const int MinimumSize = 4;

    public static IPNetwork? Find(IReadOnlyList<IPAddress> addresses)
    {
        var set = addresses.Select(Ipv6.ToUInt128).ToHashSet();
        // The host keeps at least one address, so the block has at most Count - 1 members.
        for (var size = LargestPowerOfTwoAtMost(set.Count - 1); size >= MinimumSize; size >>= 1)
        {
            var mask = ~(size - UInt128.One);
            var best = set.Select(a => a & mask)
                          .Distinct()
                          .Where(start => IsFull(set, start, size))
                          .Order()
                          .Cast<UInt128?>()
                          .FirstOrDefault();
            if (best is { } start)
                return new IPNetwork(Ipv6.FromUInt128(start), 128 - Ipv6.Log2(size));
        }
        return null;
    }

    /// <summary>
    /// For the error message: the addresses to add for the /126 that needs the fewest new ones (skipping the subnet's
    /// first four, which AWS reserves), and whether the host would still need one of its own.
    /// </summary>
    public static (IReadOnlyList<IPAddress> Missing, bool HostNeedsOne) Suggest(IReadOnlyList<IPAddress> addresses, IPNetwork subnet)
    {
        var set = addresses.Select(Ipv6.ToUInt128).ToHashSet();
        var first = Ipv6.ToUInt128(subnet.BaseAddress) + MinimumSize;
        var candidates = set.Select(a => a & ~(UInt128)(MinimumSize - 1)).Where(s => s >= first).Append(first).Distinct();
        var start = candidates.OrderBy(s => Missing(set, s).Count()).ThenBy(s => s).First();
        var missing = Missing(set, start).Select(Ipv6.FromUInt128).ToList();
        var hostNeedsOne = set.All(a => a >= start && a < start + MinimumSize);
        return (missing, hostNeedsOne);
    }

    private static IEnumerable<UInt128> Missing(HashSet<UInt128> set, UInt128 start)
    {
        for (UInt128 i = 0; i < MinimumSize; i++)
            if (!set.Contains(start + i)) yield return start + i;
    }

    private static bool IsFull(HashSet<UInt128> set, UInt128 start, UInt128 size)
    {
        for (UInt128 i = 0; i < size; i++)
            if (!set.Contains(start + i)) return false;
        return true;
    }

    private static UInt128 LargestPowerOfTwoAtMost(int n) => n < 1 ? UInt128.Zero : UInt128.One << (31 - int.LeadingZeroCount(n));
}
