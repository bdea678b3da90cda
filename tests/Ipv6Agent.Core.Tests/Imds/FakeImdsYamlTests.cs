using Ipv6Agent.Testing.Imds;

namespace Ipv6Agent.Imds;

/// <summary>The testbed describes its instances in YAML; the fake's records must be fillable from it.</summary>
public sealed class FakeImdsYamlTests
{
    [Fact]
    public async Task FakeInstance_FromYaml_ServedLikeTheSameInstanceInCode()
    {
        const string yaml = """
            instanceId: i-0123456789abcdef0
            region: us-east-1
            sources: [127.0.0.1]
            enis:
              - mac: 12:fb:b4:8b:15:f8
                deviceNumber: 0
                interfaceId: eni-0a1b2c3d4e5f60718
                ipv6s: [2001:db8:47b:ca03::1:1, 2001:db8:47b:ca03::8]
                ipv6Prefixes: []
                subnetIpv6Cidrs: [2001:db8:47b:ca03::/64]
            """;
        var instance = FakeImdsYaml.ParseInstance(yaml);
        await using var server = await FakeImdsServer.StartAsync(new FakeImdsOptions { Instances = [instance] });
        using var client = ImdsTestSupport.Client(server, out _);
        var snapshot = await client.ReadSnapshotAsync(null, TestContext.Current.CancellationToken);

        Assert.Equal("eni-0a1b2c3d4e5f60718", snapshot.Interface.InterfaceId);
        Assert.Equal(2, snapshot.Interface.Ipv6s.Count);
    }
}
