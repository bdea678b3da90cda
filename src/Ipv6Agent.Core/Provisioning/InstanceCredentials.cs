using System.Text.Json;
using Ipv6Agent.Imds;

namespace Ipv6Agent.Provisioning;

/// <summary>
/// The instance profile's temporary credentials, read through the agent's own IMDS client (IMDSv2, the endpoint that
/// answered: <c>[fd00:ec2::254]</c> on an IPv6-only instance), not through the SDK's own IMDS lookup, which knows only
/// 169.254.169.254 unless configured. Read fresh for every provisioning attempt, so they never expire in use.
/// </summary>
internal sealed record InstanceCredentials(string Role, string AccessKeyId, string SecretAccessKey, string Token, DateTimeOffset? Expiration)
{
    public const string RolesKey = "iam/security-credentials/";

    public static async Task<InstanceCredentials> ReadAsync(ImdsClient imds, CancellationToken ct)
    {
        var roles = await imds.GetAsync(RolesKey, ct).ConfigureAwait(false);
        var role = roles?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (role is null)
            throw new ProvisioningException(
                "this instance has no instance profile (IMDS lists no role under iam/security-credentials/): attach one whose role " +
                "allows ec2:AssignIpv6Addresses and ec2:DescribeNetworkInterfaces (see the README, 'provision: prefix').");
        // A role name is [\w+=,.@-]{1,64}; anything else would change the path it is put into.
        if (role.Length > 64 || !role.All(c => char.IsAsciiLetterOrDigit(c) || "_+=,.@-".Contains(c)))
            throw new ProvisioningException($"IMDS lists a role name that is not an IAM role name: '{Reporting.SafeText.OneLine(role[..Math.Min(role.Length, 64)])}'.");
        var body = await imds.GetAsync(RolesKey + role, ct).ConfigureAwait(false)
            ?? throw new ProvisioningException($"IMDS lists role {role} but has no credentials for it (iam/security-credentials/{role} is 404).");
        return Parse(role, body);
    }

    /// <summary>IMDS's JSON: <c>Code</c>, <c>AccessKeyId</c>, <c>SecretAccessKey</c>, <c>Token</c>, <c>Expiration</c>.</summary>
    internal static InstanceCredentials Parse(string role, string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            string? Get(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            if (Get("Code") is { } code && code != "Success")
                throw new ProvisioningException($"IMDS has no usable credentials for role {role}: Code {Reporting.SafeText.OneLine(code)}.");
            var key = Get("AccessKeyId");
            var secret = Get("SecretAccessKey");
            var token = Get("Token");
            if (string.IsNullOrEmpty(key) || string.IsNullOrEmpty(secret) || string.IsNullOrEmpty(token))
                throw new ProvisioningException($"IMDS's credentials for role {role} lack AccessKeyId, SecretAccessKey or Token.");
            DateTimeOffset? expiration = DateTimeOffset.TryParse(Get("Expiration"), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var e) ? e : null;
            return new InstanceCredentials(role, key, secret, token, expiration);
        }
        catch (JsonException)
        {
            throw new ProvisioningException($"IMDS's credentials for role {role} are not JSON.");
        }
    }

    public override string ToString() => $"role {Role} ({AccessKeyId})";
}
