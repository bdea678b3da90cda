using Ipv6Agent.Addressing;

namespace Ipv6Agent;

public sealed class MacAddressTests
{
    [Fact]
    public void Parse_UpperCaseDashes_NormalisesToLowerColons() =>
        Assert.Equal("12:fb:b4:8b:15:f8", MacAddress.Parse("12-FB-b4-8B-15-f8").ToString());
}
