using System.Text;
using Ipv6Agent.Testing.Ec2;

namespace Ipv6Agent.Provisioning;

/// <summary>
/// The agent's SigV4 signer against AWS's published Signature Version 4 test suite (<see cref="SigV4Suite"/>): every case
/// without a query string (the agent sends none) gets AWS's signature, and what the agent sends passes the fake EC2's
/// verifier, written independently (SigV4VerifierTests).
/// </summary>
public sealed class SigV4SignerTests
{
    public static TheoryData<string, string, string, string, string, string, string> WithoutQuery => SigV4Suite.Rows(SigV4Suite.All.Where(c => c.Query.Length == 0));

    [Theory]
    [MemberData(nameof(WithoutQuery))]
    public void Authorization_AwsTestSuiteRequest_IsThePublishedHeader(string name, string method, string query, string headers, string body, string signed, string signature)
    {
        var sent = new Dictionary<string, string>(StringComparer.Ordinal) { ["host"] = SigV4Suite.Host, ["x-amz-date"] = SigV4Suite.Date };
        foreach (var (header, value) in SigV4Suite.Headers(headers)) sent[header.ToLowerInvariant()] = value;

        var authorization = SigV4Signer.Authorization(method, "/", sent, Encoding.UTF8.GetBytes(body), SigV4Suite.AccessKey, SigV4Suite.Secret,
            SigV4Suite.Region, SigV4Suite.Service);

        Assert.Equal(SigV4Suite.Authorization(signed, signature), authorization);
        _ = (name, query);
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
        var authorization = SigV4Signer.Authorization("POST", "/", headers, body, "ASIAEXAMPLE", SigV4Suite.Secret, "eu-central-1", "ec2");
        var request = new SigV4.Request("POST", "/", "",
            [.. headers.Select(h => (h.Key, (IReadOnlyList<string>)[h.Value])), ("authorization", [authorization])], body);

        Assert.Null(SigV4.Verify(request, key => key == "ASIAEXAMPLE" ? SigV4Suite.Secret : null, now, "ec2", "eu-central-1"));
        Assert.NotNull(SigV4.Verify(request with { Body = Encoding.UTF8.GetBytes(form + "&x=1") }, key => key == "ASIAEXAMPLE" ? SigV4Suite.Secret : null, now, "ec2"));
    }
}
