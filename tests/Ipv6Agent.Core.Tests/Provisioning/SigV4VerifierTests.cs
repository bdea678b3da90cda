using System.Text;
using Ipv6Agent.Testing.Ec2;

namespace Ipv6Agent.Provisioning;

/// <summary>
/// The fake EC2's SigV4 verifier against AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite:
/// AKIDEXAMPLE, 20150830T123600Z, us-east-1, service "service"), so a request the fake accepts is one EC2 would accept.
/// </summary>
public sealed class SigV4VerifierTests
{
    private const string AccessKey = "AKIDEXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string Date = "20150830T123600Z";
    private static readonly DateTimeOffset SuiteNow = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    private const string SuiteToken =
        "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

    public static TheoryData<string, string, string, string, string, string, string> Suite => new()
    {
        // name, method, query, extra headers ("Name: value" lines), body, signed headers, published signature
        { "get-vanilla", "GET", "", "", "", "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
        { "get-vanilla-query-order-key-case", "GET", "Param2=value2&Param1=value1", "", "", "host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500" },
        { "get-header-value-trim", "GET", "", "My-Header1: value1\nMy-Header2: \"a   b   c\"", "", "host;my-header1;my-header2;x-amz-date", "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736" },
        { "post-vanilla", "POST", "", "", "", "host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b" },
        { "post-x-www-form-urlencoded", "POST", "", "Content-Type: application/x-www-form-urlencoded", "Param1=value1", "content-type;host;x-amz-date", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a" },
        { "post-sts-header-before", "POST", "", "X-Amz-Security-Token: " + SuiteToken, "", "host;x-amz-date;x-amz-security-token", "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead" },
    };

    [Theory]
    [MemberData(nameof(Suite))]
    public void Verify_AwsTestSuiteRequest_IsAccepted(string name, string method, string query, string headers, string body, string signed, string signature)
    {
        var request = SuiteRequest(method, query, headers, body, signed, signature);

        Assert.True(SigV4.Verify(request, Secrets, SuiteNow) is null, $"{name}: {SigV4.Verify(request, Secrets, SuiteNow)}");
    }

    [Theory]
    [MemberData(nameof(Suite))]
    public void Verify_AwsTestSuiteRequestWithOneSignatureDigitChanged_IsRefused(string name, string method, string query, string headers, string body, string signed, string signature)
    {
        var wrong = (signature[0] == '0' ? '1' : '0') + signature[1..];

        Assert.Equal("The request signature we calculated does not match the signature you provided",
            SigV4.Verify(SuiteRequest(method, query, headers, body, signed, wrong), Secrets, SuiteNow));
        _ = name;
    }

    [Fact]
    public void Verify_BodyChangedAfterSigning_IsRefused()
    {
        var request = SuiteRequest("POST", "", "Content-Type: application/x-www-form-urlencoded", "Param1=value2", "content-type;host;x-amz-date",
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");

        Assert.NotNull(SigV4.Verify(request, Secrets, SuiteNow));
    }

    [Fact]
    public void Verify_UnknownAccessKey_IsRefusedByName()
    {
        var request = SuiteRequest("GET", "", "", "", "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");

        Assert.Contains("unknown access key AKIDEXAMPLE", SigV4.Verify(request, _ => null, SuiteNow));
    }

    [Fact]
    public void Verify_SignatureOlderThanFiveMinutes_IsRefused()
    {
        var request = SuiteRequest("GET", "", "", "", "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");

        Assert.Contains("Signature expired", SigV4.Verify(request, Secrets, SuiteNow.AddMinutes(6)));
    }

    [Fact]
    public void Verify_OtherService_IsRefused()
    {
        var request = SuiteRequest("GET", "", "", "", "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");

        Assert.Contains("not 'ec2'", SigV4.Verify(request, Secrets, SuiteNow, expectService: "ec2"));
    }

    private static string? Secrets(string key) => key == AccessKey ? Secret : null;

    private static SigV4.Request SuiteRequest(string method, string query, string headers, string body, string signed, string signature)
    {
        var list = new List<(string, IReadOnlyList<string>)>
        {
            ("Host", ["example.amazonaws.com"]),
            ("X-Amz-Date", [Date]),
        };
        foreach (var line in headers.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            list.Add((line[..colon], [line[(colon + 1)..]]));
        }
        list.Add(("Authorization", [$"AWS4-HMAC-SHA256 Credential={AccessKey}/20150830/us-east-1/service/aws4_request, SignedHeaders={signed}, Signature={signature}"]));
        return new SigV4.Request(method, "/", query, list, Encoding.UTF8.GetBytes(body));
    }
}
