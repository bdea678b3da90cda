namespace Ipv6Agent.Testing.Imds;

/// <summary>Instances tests and the testbed share, all in documentation address space.</summary>
public static class FakeInstances
{
    public const string BlogMac = "12:fb:b4:8b:15:f8";
    public const string BlogSubnet = "2001:db8:47b:ca03::/64";

    /// <summary>The blog post's instance: five addresses on the primary ENI (listed out of order on purpose), no delegated prefix.</summary>
    public static FakeInstance Blog { get; } = new(
        "i-0123456789abcdef0",
        "us-east-1",
        [
            new FakeEni(BlogMac, 0, "eni-0a1b2c3d4e5f60718",
                ["2001:db8:47b:ca03::1:1", "2001:db8:47b:ca03::a", "2001:db8:47b:ca03::8", "2001:db8:47b:ca03::b", "2001:db8:47b:ca03::9"],
                [],
                [BlogSubnet]),
        ]);

    /// <summary>Blog plus a secondary ENI (device 1) with a delegated /80 prefix, and a third ENI without IPv6 at all.</summary>
    public static FakeInstance TwoSubnets { get; } = Blog with
    {
        Enis =
        [
            .. Blog.Enis,
            new FakeEni("0e:49:61:0f:c3:11", 1, "eni-0fedcba9876543210",
                ["2001:db8:47b:ca04::10"],
                ["2001:db8:47b:ca04:1234::/80"],
                ["2001:db8:47b:ca04::/64"]),
            new FakeEni("0e:49:61:0f:c3:22", 2, "eni-00000000000000022", [], [], []),
        ],
    };
}
