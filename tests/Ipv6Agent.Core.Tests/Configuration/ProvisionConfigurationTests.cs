namespace Ipv6Agent.Configuration;

/// <summary>Issue 12's keys: <c>provision</c> and <c>ec2.endpoint</c>, read and refused like every other key (exit 78, the key named).</summary>
public sealed class ProvisionConfigurationTests
{
    [Fact]
    public void Parse_NoProvisionKey_IsOffWithTheDualStackEndpoint()
    {
        var options = ConfigurationLoader.Parse("addressing: auto");

        Assert.Equal(ProvisionMode.Off, options.Provision);
        Assert.Null(options.Ec2.Endpoint);
    }

    [Fact]
    public void Parse_ProvisionPrefixAndEndpoint_AreRead()
    {
        var options = ConfigurationLoader.Parse("provision: prefix\nec2:\n  endpoint: http://[fd00:ec2::ec2]:8080\n");

        Assert.Equal(ProvisionMode.Prefix, options.Provision);
        Assert.Equal(new Uri("http://[fd00:ec2::ec2]:8080"), options.Ec2.Endpoint);
    }

    [Fact]
    public void Parse_Ec2EndpointAuto_IsTheDefault()
    {
        Assert.Null(ConfigurationLoader.Parse("ec2:\n  endpoint: auto").Ec2.Endpoint);
    }

    [Theory]
    [InlineData("provision: block", "provision", "'block' is not one of off, prefix")]
    [InlineData("provision: [prefix]", "provision", "must be a single value")]
    [InlineData("ec2: https://ec2.us-east-1.api.aws", "ec2", "must be a mapping of keys")]
    [InlineData("ec2:\n  endpoint: ftp://x", "ec2.endpoint", "'ftp://x' is neither 'auto' nor an http(s) URL")]
    [InlineData("ec2:\n  endpoint: https://ec2.example/path", "ec2.endpoint", "is neither 'auto' nor an http(s) URL of the service's root")]
    [InlineData("ec2:\n  region: us-east-1", "ec2.region", "unknown key (known here: endpoint)")]
    public void Parse_BadValue_NamesTheKey(string yaml, string key, string reason)
    {
        var e = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Parse(yaml));

        Assert.Equal(key, e.Key);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }
}
