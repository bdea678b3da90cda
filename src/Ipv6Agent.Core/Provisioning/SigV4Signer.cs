using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ipv6Agent.Provisioning;

/// <summary>
/// AWS Signature Version 4 (AWS4-HMAC-SHA256) for the requests this agent makes: a POST of a form to the endpoint's root
/// path, no query string, every header it sends signed. The steps are AWS's ("Create a signed AWS API request"): the
/// canonical request, the string to sign, the key derived from the secret by date, region and service, the signature.
/// Held by AWS's published example (SigV4SignerTests) and by the fake EC2's independent verifier.
/// </summary>
internal static class SigV4Signer
{
    private const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>The <c>Authorization</c> header for a request whose headers (names lower-case) are exactly <paramref name="headers"/>.</summary>
    /// <param name="headers">Each header sent, lower-case name to value; <c>host</c> and <c>x-amz-date</c> among them.</param>
    public static string Authorization(string method, string path, IReadOnlyDictionary<string, string> headers, ReadOnlySpan<byte> body,
        string accessKeyId, string secretAccessKey, string region, string service)
    {
        var amzDate = headers["x-amz-date"];
        var date = amzDate[..8];
        var names = headers.Keys.Order(StringComparer.Ordinal).ToArray();
        var signedHeaders = string.Join(';', names);

        var canonical = new StringBuilder();
        canonical.Append(method).Append('\n').Append(CanonicalPath(path)).Append('\n').Append('\n');
        foreach (var name in names) canonical.Append(name).Append(':').Append(CanonicalValue(headers[name])).Append('\n');
        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(Hex(SHA256.HashData(body)));

        var scope = $"{date}/{region}/{service}/aws4_request";
        var toSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var signature = Hex(HMACSHA256.HashData(SigningKey(secretAccessKey, date, region, service), Encoding.UTF8.GetBytes(toSign)));
        return $"{Algorithm} Credential={accessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
    }

    /// <summary>X-Amz-Date's form: ISO 8601 basic, UTC.</summary>
    public static string AmzDate(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Each segment of the (already percent-encoded) path decoded, then encoded twice: every service but S3.</summary>
    private static string CanonicalPath(string path) =>
        path.Length == 0 ? "/" : string.Join('/', path.Split('/').Select(s => Uri.EscapeDataString(Uri.EscapeDataString(Uri.UnescapeDataString(s)))));

    /// <summary>A header value as signed: trimmed, each run of spaces made one.</summary>
    private static string CanonicalValue(string value) => string.Join(' ', value.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private static byte[] SigningKey(string secret, string date, string region, string service)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
