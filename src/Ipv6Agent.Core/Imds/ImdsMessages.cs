using Ipv6Agent.Addressing;
using Ipv6Agent.Configuration;

namespace Ipv6Agent.Imds;

/// <summary>The sentences a person reads when IMDS cannot be used: what happened and what to do.</summary>
internal static class ImdsMessages
{
    private const string EnableCommand =
        "aws ec2 modify-instance-metadata-options --instance-id <this instance's id> --http-endpoint enabled";

    public static string Disabled(Uri endpoint) =>
        $"IMDS is disabled for this instance: PUT {ImdsPaths.TokenPath} at {endpoint} answered 403 Forbidden. " +
        $"Enable it with `{EnableCommand}` (add `--http-protocol-ipv6 enabled` for the IPv6 endpoint {ImdsOptions.Ipv6Endpoint}).";

    public static string Unreachable(IReadOnlyList<Uri> endpoints, int attempts, TimeSpan elapsed, string lastError) =>
        $"IMDS did not answer PUT {ImdsPaths.TokenPath} at {string.Join(", ", endpoints)} " +
        $"({Tries(attempts, elapsed)}; last error: {lastError}). " +
        $"On an IPv6-only instance the IPv6 endpoint must be on: `{EnableCommand} --http-protocol-ipv6 enabled` (Nitro instances only).";

    public static string NotAnswered(string method, string path, Uri endpoint, int attempts, TimeSpan elapsed, string lastError) =>
        $"IMDS did not answer {method} {path} at {endpoint} ({Tries(attempts, elapsed)}; last error: {lastError}). " +
        "A failed read is never taken as an empty value; try again later.";

    public static string Refused(string method, string path, Uri endpoint, string status) =>
        $"IMDS answered {status} to {method} {path} at {endpoint}.";

    public static string TokenRefusedTwice(string path, Uri endpoint) =>
        $"IMDS refused a fresh token for GET {path} at {endpoint} (401 twice, a new token in between); " +
        "check that nothing between this host and IMDS rewrites requests (a proxy must not be used for IMDS).";

    public static string MissingKey(string key) =>
        $"IMDS has no {key} (404 for GET {ImdsPaths.MetaDataRoot}{key}), which every EC2 instance has; " +
        "this does not look like EC2 instance metadata.";

    public static string UnknownMac(MacAddress mac, IReadOnlyList<MacAddress> attached) =>
        $"No ENI with MAC {mac} is attached to this instance (IMDS lists {(attached.Count == 0 ? "none" : string.Join(", ", attached))}). " +
        "Set `interface:` in the configuration to one of these, or to auto for the primary ENI.";

    private static string Tries(int attempts, TimeSpan elapsed) =>
        $"{attempts} {(attempts == 1 ? "try" : "tries")} in {elapsed.TotalSeconds:0.0} s";
}
