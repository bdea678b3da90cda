using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ipv6Agent.Testing.Ec2;

/// <summary>
/// AWS Signature Version 4 (AWS4-HMAC-SHA256), the verifying side: the canonical request, the string to sign, the
/// derived key and the signature, as AWS documents them ("Create a signed AWS API request"). Proven against AWS's
/// published test suite (SigV4Tests), so the fake EC2 refuses exactly what EC2 would refuse.
/// </summary>
public static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>The request as the server received it.</summary>
    /// <param name="Path">Raw (still percent-encoded) path.</param>
    /// <param name="Query">Raw query string without the '?'.</param>
    /// <param name="Headers">Every header with all its values (a repeated header has several).</param>
    public sealed record Request(string Method, string Path, string Query, IReadOnlyList<(string Name, IReadOnlyList<string> Values)> Headers, byte[] Body);

    /// <summary>What the Authorization header says.</summary>
    public sealed record Authorization(string AccessKeyId, string Date, string Region, string Service, IReadOnlyList<string> SignedHeaders, string Signature)
    {
        public string Scope => $"{Date}/{Region}/{Service}/aws4_request";
    }

    /// <summary>Parses <c>AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b, Signature=hex</c>.</summary>
    public static Authorization? ParseAuthorization(string? header, out string? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(header)) { problem = "no Authorization header"; return null; }
        if (!header.StartsWith(Algorithm + " ", StringComparison.Ordinal)) { problem = $"the algorithm is not {Algorithm}"; return null; }
        var parts = header[(Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        if (!parts.TryGetValue("Credential", out var credential) || !parts.TryGetValue("SignedHeaders", out var signed) || !parts.TryGetValue("Signature", out var signature))
        {
            problem = "the Authorization header lacks Credential, SignedHeaders or Signature";
            return null;
        }
        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request") { problem = $"the credential scope '{credential}' is malformed"; return null; }
        return new Authorization(scope[0], scope[1], scope[2], scope[3], signed.Split(';'), signature);
    }

    public static string CanonicalRequest(Request request, IReadOnlyList<string> signedHeaders, string payloadHash)
    {
        var sb = new StringBuilder();
        sb.Append(request.Method).Append('\n');
        sb.Append(CanonicalUri(request.Path)).Append('\n');
        sb.Append(CanonicalQuery(request.Query)).Append('\n');
        foreach (var name in signedHeaders)
        {
            var values = request.Headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).SelectMany(h => h.Values);
            sb.Append(name).Append(':').Append(string.Join(',', values.Select(TrimAll))).Append('\n');
        }
        sb.Append('\n');
        sb.Append(string.Join(';', signedHeaders)).Append('\n');
        sb.Append(payloadHash);
        return sb.ToString();
    }

    public static string StringToSign(string amzDate, string scope, string canonicalRequest) =>
        $"{Algorithm}\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";

    public static byte[] SigningKey(string secret, string date, string region, string service)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, "aws4_request"u8.ToArray());
    }

    public static string Signature(string secret, Authorization auth, string amzDate, string canonicalRequest) =>
        Hex(HMACSHA256.HashData(SigningKey(secret, auth.Date, auth.Region, auth.Service),
            Encoding.UTF8.GetBytes(StringToSign(amzDate, auth.Scope, canonicalRequest))));

    /// <summary>
    /// <c>null</c> when <paramref name="request"/> carries a valid signature by <paramref name="secretFor"/>'s secret for
    /// its access key, dated within 5 minutes of <paramref name="now"/>; else why not (an <c>AuthFailure</c> message).
    /// </summary>
    public static string? Verify(Request request, Func<string, string?> secretFor, DateTimeOffset now, string? expectService = null, string? expectRegion = null)
    {
        var auth = ParseAuthorization(Header(request, "authorization"), out var problem);
        if (auth is null) return problem;
        if (expectService is not null && auth.Service != expectService) return $"the credential scope names service '{auth.Service}', not '{expectService}'";
        if (expectRegion is not null && auth.Region != expectRegion) return $"the credential scope names region '{auth.Region}', not '{expectRegion}'";
        if (!auth.SignedHeaders.Contains("host")) return "the host header is not signed";
        var amzDate = Header(request, "x-amz-date");
        if (amzDate is null || !auth.SignedHeaders.Contains("x-amz-date")) return "no signed X-Amz-Date header";
        if (!DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            return $"X-Amz-Date '{amzDate}' is not yyyyMMddTHHmmssZ";
        if (!amzDate.StartsWith(auth.Date, StringComparison.Ordinal)) return "the credential scope's date is not X-Amz-Date's";
        if ((now - at).Duration() > TimeSpan.FromMinutes(5)) return $"the signature is dated {amzDate}, more than 5 minutes from now (Signature expired)";
        if (secretFor(auth.AccessKeyId) is not { } secret) return $"AWS was not able to validate the provided access credentials (unknown access key {auth.AccessKeyId})";

        var bodyHash = Hex(SHA256.HashData(request.Body));
        var claimed = Header(request, "x-amz-content-sha256");
        if (claimed is not null && claimed != "UNSIGNED-PAYLOAD" && claimed != bodyHash) return "x-amz-content-sha256 is not the body's hash";
        var expected = Signature(secret, auth, amzDate, CanonicalRequest(request, auth.SignedHeaders, claimed ?? bodyHash));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(auth.Signature))
            ? null
            : "The request signature we calculated does not match the signature you provided";
    }

    public static string? Header(Request request, string name) =>
        request.Headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).SelectMany(h => h.Values).FirstOrDefault();

    /// <summary>Each path segment decoded, then encoded twice (every service but S3); an empty path is "/".</summary>
    private static string CanonicalUri(string path)
    {
        if (path.Length == 0) return "/";
        return string.Join('/', path.Split('/').Select(s => Encode(Encode(Uri.UnescapeDataString(s)))));
    }

    private static string CanonicalQuery(string query)
    {
        if (query.Length == 0) return "";
        return string.Join('&', query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (Name: Encode(Unescape(p[0])), Value: p.Length > 1 ? Encode(Unescape(p[1])) : ""))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));
    }

    private static string Unescape(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));

    /// <summary>RFC 3986: everything but A-Z a-z 0-9 - _ . ~ percent-encoded, upper-case hex.</summary>
    public static string Encode(string s)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(s))
        {
            if (b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
                sb.Append((char)b);
            else
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>A header value as signed: trimmed, runs of spaces made one.</summary>
    private static string TrimAll(string value) => System.Text.RegularExpressions.Regex.Replace(value.Trim(), " +", " ");

    public static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
