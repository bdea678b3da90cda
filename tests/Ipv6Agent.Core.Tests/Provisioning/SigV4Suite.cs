namespace Ipv6Agent.Provisioning;

/// <summary>
/// AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite): its credentials, time, region and service, and
/// the cases both sides are held to: the agent's signer (SigV4SignerTests) and the fake EC2's verifier (SigV4VerifierTests).
/// </summary>
internal static class SigV4Suite
{
    public const string AccessKey = "AKIDEXAMPLE";
    public const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    public const string Date = "20150830T123600Z";
    public const string Host = "example.amazonaws.com";
    public const string Region = "us-east-1";
    public const string Service = "service";
    public static readonly DateTimeOffset Now = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    private const string Token =
        "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

    /// <summary>One case: the request (extra headers as "Name: value" lines) and what AWS publishes for it.</summary>
    public sealed record Case(string Name, string Method, string Query, string Headers, string Body, string SignedHeaders, string Signature);

    public static readonly Case[] All =
    [
        new("get-vanilla", "GET", "", "", "", "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        new("get-vanilla-query-order-key-case", "GET", "Param2=value2&Param1=value1", "", "", "host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        new("get-header-value-trim", "GET", "", "My-Header1: value1\nMy-Header2: \"a   b   c\"", "", "host;my-header1;my-header2;x-amz-date", "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        new("post-vanilla", "POST", "", "", "", "host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        new("post-x-www-form-urlencoded", "POST", "", "Content-Type: application/x-www-form-urlencoded", "Param1=value1", "content-type;host;x-amz-date", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
        new("post-sts-header-before", "POST", "", "X-Amz-Security-Token: " + Token, "", "host;x-amz-date;x-amz-security-token", "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"),
    ];

    /// <summary>The cases as theory rows: name, method, query, headers, body, signed headers, signature.</summary>
    public static TheoryData<string, string, string, string, string, string, string> Rows(IEnumerable<Case> cases)
    {
        var rows = new TheoryData<string, string, string, string, string, string, string>();
        foreach (var c in cases) rows.Add(c.Name, c.Method, c.Query, c.Headers, c.Body, c.SignedHeaders, c.Signature);
        return rows;
    }

    public static TheoryData<string, string, string, string, string, string, string> Cases => Rows(All);

    /// <summary>The extra headers of a case as (name, value) pairs, the value as written after the colon.</summary>
    public static IEnumerable<(string Name, string Value)> Headers(string lines) =>
        lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => (line[..line.IndexOf(':', StringComparison.Ordinal)], line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..]));

    public static string Authorization(string signedHeaders, string signature) =>
        $"AWS4-HMAC-SHA256 Credential={AccessKey}/20150830/{Region}/{Service}/aws4_request, SignedHeaders={signedHeaders}, Signature={signature}";
}
