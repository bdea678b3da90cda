using System.Text;
using Ipv6Agent.Testing.Ec2;

namespace Ipv6Agent.Provisioning;

/// <summary>
/// The fake EC2's SigV4 verifier against AWS's published Signature Version 4 test suite (<see cref="SigV4Suite"/>), so a
/// request the fake accepts is one EC2 would accept.
/// </summary>
public sealed class SigV4VerifierTests
{
    private const string Get = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

    [Theory]
    [MemberData(nameof(SigV4Suite.Cases), MemberType = typeof(SigV4Suite))]
    public void Verify_AwsTestSuiteRequest_IsAccepted(string name, string method, string query, string headers, string body, string signed, string signature)
    {
        var request = SuiteRequest(method, query, headers, body, signed, signature);

        Assert.True(SigV4.Verify(request, Secrets, SigV4Suite.Now) is null, $"{name}: {SigV4.Verify(request, Secrets, SigV4Suite.Now)}");
    }

    [Theory]
    [MemberData(nameof(SigV4Suite.Cases), MemberType = typeof(SigV4Suite))]
    public void Verify_AwsTestSuiteRequestWithOneSignatureDigitChanged_IsRefused(string name, string method, string query, string headers, string body, string signed, string signature)
    {
        var wrong = (signature[0] == '0' ? '1' : '0') + signature[1..];

        Assert.Equal("The request signature we calculated does not match the signature you provided",
            SigV4.Verify(SuiteRequest(method, query, headers, body, signed, wrong), Secrets, SigV4Suite.Now));
        _ = name;
    }

    [Fact]
    public void Verify_BodyChangedAfterSigning_IsRefused()
    {
        var request = SuiteRequest("POST", "", "Content-Type: application/x-www-form-urlencoded", "Param1=value2", "content-type;host;x-amz-date",
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");

        Assert.NotNull(SigV4.Verify(request, Secrets, SigV4Suite.Now));
    }

    [Fact]
    public void Verify_UnknownAccessKey_IsRefusedByName()
    {
        var request = SuiteRequest("GET", "", "", "", "host;x-amz-date", Get);

        Assert.Contains("unknown access key AKIDEXAMPLE", SigV4.Verify(request, _ => null, SigV4Suite.Now));
    }

    [Fact]
    public void Verify_SignatureOlderThanFiveMinutes_IsRefused()
    {
        var request = SuiteRequest("GET", "", "", "", "host;x-amz-date", Get);

        Assert.Contains("Signature expired", SigV4.Verify(request, Secrets, SigV4Suite.Now.AddMinutes(6)));
    }

    [Fact]
    public void Verify_OtherService_IsRefused()
    {
        var request = SuiteRequest("GET", "", "", "", "host;x-amz-date", Get);

        Assert.Contains("not 'ec2'", SigV4.Verify(request, Secrets, SigV4Suite.Now, expectService: "ec2"));
    }

    private static string? Secrets(string key) => key == SigV4Suite.AccessKey ? SigV4Suite.Secret : null;

    private static SigV4.Request SuiteRequest(string method, string query, string headers, string body, string signed, string signature)
    {
        var list = new List<(string, IReadOnlyList<string>)>
        {
            ("Host", [SigV4Suite.Host]),
            ("X-Amz-Date", [SigV4Suite.Date]),
        };
        list.AddRange(SigV4Suite.Headers(headers).Select(h => (h.Name, (IReadOnlyList<string>)[h.Value])));
        list.Add(("Authorization", [SigV4Suite.Authorization(signed, signature)]));
        return new SigV4.Request(method, "/", query, list, Encoding.UTF8.GetBytes(body));
    }
}
