using System.Globalization;
using System.Text.RegularExpressions;

namespace Ipv6Agent.Verifying;

/// <summary>What a <c>ping</c> run said: counts, the average round trip, and the error it printed, if any.</summary>
internal sealed record PingSummary(int Transmitted, int Received, double? AverageMs, string? Error)
{
    public bool Ok => Received > 0;

    /// <summary><c>3/3, 0.2 ms</c>; <c>0/3, 100% packet loss</c>; <c>0/3: Network is unreachable</c>.</summary>
    public string Detail
    {
        get
        {
            if (Received > 0)
            {
                return AverageMs is { } avg
                    ? string.Create(CultureInfo.InvariantCulture, $"{Received}/{Transmitted}, {avg:0.0} ms")
                    : $"{Received}/{Transmitted}";
            }

            return Error is null ? $"{Received}/{Transmitted}, 100% packet loss" : $"{Received}/{Transmitted}: {Error}";
        }
    }
}

/// <summary>Parses the output of busybox's and iputils' <c>ping</c> (the probe image may carry either).</summary>
internal static partial class PingOutput
{
    /// <returns><c>null</c> when the output has no statistics line (ping failed before sending: see <see cref="ErrorOf"/>).</returns>
    public static PingSummary? Parse(string output)
    {
        var counts = CountsRegex().Match(output);
        var error = ErrorOf(output);
        if (!counts.Success) return null;
        var average = AverageRegex().Match(output);
        return new PingSummary(
            int.Parse(counts.Groups["tx"].Value, CultureInfo.InvariantCulture),
            int.Parse(counts.Groups["rx"].Value, CultureInfo.InvariantCulture),
            average.Success ? double.Parse(average.Groups["avg"].Value, CultureInfo.InvariantCulture) : null,
            error);
    }

    /// <summary>The first error ping printed (<c>ping: sendto: Network is unreachable</c> → <c>Network is unreachable</c>).</summary>
    public static string? ErrorOf(string output)
    {
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.Trim();
            var icmp = IcmpErrorRegex().Match(line);
            if (icmp.Success) return icmp.Groups["why"].Value;
            if (!line.StartsWith("ping:", StringComparison.Ordinal) && !line.StartsWith("ping6:", StringComparison.Ordinal)) continue;
            var message = line[(line.IndexOf(':') + 1)..].Trim();
            // "sendto: Network is unreachable", "connect: ..." : the syscall name says nothing to a person.
            var syscall = SyscallPrefixRegex().Match(message);
            return syscall.Success ? message[syscall.Length..] : message;
        }

        return null;
    }

    // busybox: "3 packets transmitted, 3 packets received, 0% packet loss"
    // iputils: "3 packets transmitted, 3 received, +3 errors, 100% packet loss, time 2003ms"
    [GeneratedRegex(@"(?<tx>\d+) packets transmitted, (?<rx>\d+) (?:packets )?received")]
    private static partial Regex CountsRegex();

    // busybox: "round-trip min/avg/max = 0.096/0.114/0.129 ms"; iputils: "rtt min/avg/max/mdev = 0.068/0.071/0.076/0.003 ms"
    [GeneratedRegex(@"min/avg/max(?:/mdev)? = [\d.]+/(?<avg>[\d.]+)/")]
    private static partial Regex AverageRegex();

    // iputils: "From 2001:db8:1::9 icmp_seq=1 Destination unreachable: No route"
    [GeneratedRegex(@"^From \S+ icmp_seq=\d+ (?<why>.+)$")]
    private static partial Regex IcmpErrorRegex();

    [GeneratedRegex(@"^(?:sendto|sendmsg|connect|bind|recvmsg|socket): ")]
    private static partial Regex SyscallPrefixRegex();
}
