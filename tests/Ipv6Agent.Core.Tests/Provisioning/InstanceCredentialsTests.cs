namespace Ipv6Agent.Provisioning;

/// <summary>The instance profile's credentials as IMDS gives them; anything else is a sentence, never a crash.</summary>
public sealed class InstanceCredentialsTests
{
    [Fact]
    public void Parse_ImdsAnswer_ReadsKeySecretTokenAndExpiry()
    {
        var c = InstanceCredentials.Parse("r", """
            {
              "Code" : "Success",
              "LastUpdated" : "2026-12-01T18:00:00Z",
              "Type" : "AWS-HMAC",
              "AccessKeyId" : "ASIAEXAMPLE",
              "SecretAccessKey" : "secret",
              "Token" : "token",
              "Expiration" : "2026-12-02T00:00:00Z"
            }
            """);

        Assert.Equal(("ASIAEXAMPLE", "secret", "token"), (c.AccessKeyId, c.SecretAccessKey, c.Token));
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero), c.Expiration);
        Assert.DoesNotContain("secret", c.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"Code\":\"AssumeRoleUnauthorizedAccess\"}", "IMDS has no usable credentials for role r: Code AssumeRoleUnauthorizedAccess.")]
    [InlineData("{\"Code\":\"Success\",\"AccessKeyId\":\"A\"}", "IMDS's credentials for role r lack AccessKeyId, SecretAccessKey or Token.")]
    [InlineData("<html>", "IMDS's credentials for role r are not JSON.")]
    [InlineData("[1,2]", "IMDS's credentials for role r lack AccessKeyId, SecretAccessKey or Token.")]
    public void Parse_NotUsable_SaysWhy(string body, string message)
    {
        var e = Assert.Throws<ProvisioningException>(() => InstanceCredentials.Parse("r", body));

        Assert.Equal(message, e.Message);
    }
}

/// <summary>Where the EC2 client sends its requests: an IPv6-only instance reaches only the dual-stack endpoint.</summary>
public sealed class Ec2EndpointTests
{
    private static readonly InstanceCredentials Credentials = new("r", "ASIAEXAMPLE", "secret", "token", null);

    [Fact]
    public void Auto_IsTheRegionsDualStackEndpoint()
    {
        using var api = new Ec2PrefixApi(new Configuration.Ec2Options(), "eu-central-1", Credentials);

        Assert.Equal(new Uri("https://ec2.eu-central-1.api.aws"), api.ResolvedEndpoint);
    }

    [Fact]
    public void Configured_IsUsedAsIs()
    {
        using var api = new Ec2PrefixApi(new Configuration.Ec2Options { Endpoint = new Uri("https://vpce-0123.ec2.eu-central-1.vpce.amazonaws.com") }, "eu-central-1", Credentials);

        Assert.Equal(new Uri("https://vpce-0123.ec2.eu-central-1.vpce.amazonaws.com"), api.ResolvedEndpoint);
    }

    [Fact]
    public void Auto_InChina_IsThatPartitionsDualStackEndpoint()
    {
        using var api = new Ec2PrefixApi(new Configuration.Ec2Options(), "cn-north-1", Credentials);

        Assert.Equal(new Uri("https://ec2.cn-north-1.api.amazonwebservices.com.cn"), api.ResolvedEndpoint);
    }

    /// <summary>The region becomes part of a host name: IMDS's answer is checked before it is.</summary>
    [Theory]
    [InlineData("")]
    [InlineData("eu-central-1.evil.example")]
    [InlineData("eu-central-1/../x")]
    [InlineData("EU-CENTRAL-1")]
    [InlineData("-eu")]
    public void HostileRegion_IsRefusedWithASentence(string region)
    {
        var e = Assert.Throws<ProvisioningException>(() => new Ec2PrefixApi(new Configuration.Ec2Options(), region, Credentials));

        Assert.Contains("which is not a region name", e.Message, StringComparison.Ordinal);
    }
}
