using System.Text;
using Ipv6Agent.Testing.Ec2;

namespace Ipv6Agent.Provisioning;

/// <summary>
/// The agent's SigV4 signer against AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite: AKIDEXAMPLE,
/// 20150830T123600Z, us-east-1, service "service"): the same signatures AWS publishes, and the fake EC2's independent
/// verifier (SigV4VerifierTests) accepts what it signs for other inputs.
/// </summary>
public sealed class SigV4SignerTests
{
    private const string AccessKey = "AKIDEXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string Date = "20150830T123600Z";

    public static TheoryData<string, string, string, string, string> Suite => new()
    {
        // name, method, extra headers ("name: value" lines), body, published Authorization header
        { "get-vanilla", "GET", "", "",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
        { "get-header-value-trim", "GET", "my-header1: value1\nmy-header2: \"a   b   c\"", "",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736" },
        { "post-vanilla", "POST", "", "",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b" },
        { "post-x-www-form-urlencoded", "POST", "content-type: application/x-www-form-urlencoded", "Param1=value1",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a" },
    };

    [Theory]
    [MemberData(nameof(Suite))]
    public void Authorization_AwsTestSuiteRequest_IsThePublishedHeader(string name, string method, string headers, string body, string published)
    {
        var signed = SigV4Signer.Authorization(method, "/", Headers(headers), Encoding.UTF8.GetBytes(body), AccessKey, Secret, "us-east-1", "service");

        Assert.True(published == signed, $"{name}:\n  published {published}\n  signed    {signed}");
    }

    /// <summary>What the client sends (token, form body, a port in the host) passes the verifier the fake EC2 runs.</summary>
    [Theory]
    [InlineData("ec2.eu-central-1.api.aws", "Action=DescribeNetworkInterfaces&Version=2016-11-15&NetworkInterfaceId.1=eni-0a1b2c3d4e5f60718")]
    [InlineData("[fd00:ec2::1]:8443", "Action=AssignIpv6Addresses&Version=2016-11-15&NetworkInterfaceId=eni-1&Ipv6PrefixCount=1")]
    [InlineData("127.0.0.1:40000", "")]
    public void Authorization_AgentsRequest_PassesTheIndependentVerifier(string host, string form)
    {
        var now = DateTimeOffset.UtcNow;
        var headers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = "application/x-www-form-urlencoded; charset=utf-8",
            ["host"] = host,
            ["x-amz-date"] = SigV4Signer.AmzDate(now),
            ["x-amz-security-token"] = "IQoJb3JpZ2luX2VjEXAMPLE//token+with/slashes==",
        };
        var body = Encoding.UTF8.GetBytes(form);
        var authorization = SigV4Signer.Authorization("POST", "/", headers, body, "ASIAEXAMPLE", Secret, "eu-central-1", "ec2");
        var request = new SigV4.Request("POST", "/", "",
            [.. headers.Select(h => (h.Key, (IReadOnlyList<string>)[h.Value])), ("authorization", [authorization])], body);

        Assert.Null(SigV4.Verify(request, key => key == "ASIAEXAMPLE" ? Secret : null, now, "ec2", "eu-central-1"));
        Assert.NotNull(SigV4.Verify(request with { Body = Encoding.UTF8.GetBytes(form + "&x=1") }, key => key == "ASIAEXAMPLE" ? Secret : null, now, "ec2"));
    }

    private static Dictionary<string, string> Headers(string extra)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["host"] = "example.amazonaws.com", ["x-amz-date"] = Date };
        foreach (var line in extra.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon]] = line[(colon + 1)..];
        }
        return headers;
    }
}
