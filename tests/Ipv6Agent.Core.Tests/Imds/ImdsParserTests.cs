using System.Net;
using Ipv6Agent.Addressing;
using Ipv6Agent.Imds;

namespace Ipv6Agent.Imds;

public sealed class ImdsParserTests
{
    private const string Ipv6sKey = "network/interfaces/macs/12:fb:b4:8b:15:f8/ipv6s";
    private const string PrefixKey = "network/interfaces/macs/12:fb:b4:8b:15:f8/ipv6-prefix";
    private static readonly MacAddress Mac = MacAddress.Parse("12:fb:b4:8b:15:f8");

    [Fact]
    public void Addresses_UncompressedUnsortedTrailingNewline_SortedNumerically()
    {
        var text = "2001:db8:47b:ca03:0:0:1:1\n2001:db8:47b:ca03:0:0:0:10\n2001:db8:47b:ca03:0:0:0:9\n2001:db8:47b:ca03:0:0:0:a\n";

        var addresses = ImdsParser.Addresses(Ipv6sKey, text);

        // As strings "::10" < "::9" < "::a" and "::1:1" < "::9"; numerically ::9 < ::a < ::10 < ::1:1.
        Assert.Equal(
            ["2001:db8:47b:ca03::9", "2001:db8:47b:ca03::a", "2001:db8:47b:ca03::10", "2001:db8:47b:ca03::1:1"],
            addresses.Select(Ipv6.Format));
    }

    [Fact]
    public void Addresses_CompressedCrLfAndBlankLines_Accepted()
    {
        var addresses = ImdsParser.Addresses(Ipv6sKey, "2001:db8::2\r\n\r\n2001:db8::1");

        Assert.Equal([IPAddress.Parse("2001:db8::1"), IPAddress.Parse("2001:db8::2")], addresses);
    }

    [Fact]
    public void Addresses_AbsentKey_IsEmpty() => Assert.Empty(ImdsParser.Addresses(Ipv6sKey, null));

    [Theory]
    [InlineData("zzz", "which is not an IPv6 address")]
    [InlineData("8", "which is not an IPv6 address")]
    [InlineData("[2001:db8::1]", "which is not an IPv6 address")]
    [InlineData("2001:db8::1%eth0", "which is not an IPv6 address")]
    [InlineData("2001:db8::1/64", "which is not an IPv6 address")]
    [InlineData("1.2.3", "which is not an IPv6 address")]
    [InlineData("10.0.0.5", "an IPv4 address where IPv6 is expected")]
    [InlineData("::ffff:10.0.0.5", "an IPv4 address where IPv6 is expected")]
    public void Addresses_BadValue_QuotesIt(string value, string why)
    {
        var error = Assert.Throws<ImdsException>(() => ImdsParser.Addresses(Ipv6sKey, $"2001:db8::1\n{value}"));

        Assert.Equal($"IMDS returned '{value}' for {Ipv6sKey}, {why}.", error.Message);
    }

    [Fact]
    public void Addresses_ListedTwice_QuotesIt()
    {
        var error = Assert.Throws<ImdsException>(() => ImdsParser.Addresses(Ipv6sKey, "2001:db8:0:0:0:0:0:1\n2001:db8::1"));

        Assert.Equal($"IMDS returned '2001:db8::1' for {Ipv6sKey}, which is listed twice.", error.Message);
    }

    [Fact]
    public void Networks_UncompressedUnsorted_SortedNumerically()
    {
        var networks = ImdsParser.Networks(PrefixKey, "2001:db8:0:0:10::/80\n2001:db8:0:0:9::/80");

        Assert.Equal(["2001:db8:0:0:9::/80", "2001:db8:0:0:10::/80"], networks.Select(Ipv6.Format));
    }

    [Theory]
    [InlineData("2001:db8:47b:ca03::1/64", "which has host bits set (the network would be 2001:db8:47b:ca03::/64)")]
    [InlineData("10.1.0.0/16", "an IPv4 prefix where IPv6 is expected")]
    [InlineData("2001:db8::/129", "which is not an IPv6 prefix (expected e.g. 2001:db8:47b:ca03::/64)")]
    [InlineData("2001:db8::", "which is not an IPv6 prefix (expected e.g. 2001:db8:47b:ca03::/64)")]
    [InlineData("garbage/64", "which is not an IPv6 prefix (expected e.g. 2001:db8:47b:ca03::/64)")]
    [InlineData("[2001:db8::]/64", "which is not an IPv6 prefix (expected e.g. 2001:db8:47b:ca03::/64)")]
    public void Networks_BadValue_QuotesIt(string value, string why)
    {
        var error = Assert.Throws<ImdsException>(() => ImdsParser.Networks(PrefixKey, value));

        Assert.Equal($"IMDS returned '{value}' for {PrefixKey}, {why}.", error.Message);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("1\n", 1)]
    [InlineData(" 15 ", 15)]
    public void DeviceNumber_Digits_Parsed(string text, int expected) =>
        Assert.Equal(expected, ImdsParser.DeviceNumber("device-number", text));

    [Theory]
    [InlineData("eth0")]
    [InlineData("-1")]
    [InlineData("1.0")]
    [InlineData("99999999999")]
    public void DeviceNumber_NotANumber_QuotesIt(string value)
    {
        var error = Assert.Throws<ImdsException>(() => ImdsParser.DeviceNumber("network/interfaces/macs/12:fb:b4:8b:15:f8/device-number", value));

        Assert.Equal(
            $"IMDS returned '{value}' for network/interfaces/macs/12:fb:b4:8b:15:f8/device-number, which is not a device number (expected a whole number such as 0).",
            error.Message);
    }

    [Theory]
    [InlineData("12:fb:b4:8b:15")]
    [InlineData("<html>oops</html>")]
    [InlineData("12fb.b48b.15f8")]
    public void Mac_Malformed_QuotesIt(string value)
    {
        var error = Assert.Throws<ImdsException>(() => ImdsParser.Mac("mac", value));

        Assert.Equal($"IMDS returned '{value}' for mac, which is not a MAC address (expected six hex pairs, e.g. 12:fb:b4:8b:15:f8).", error.Message);
    }

    [Fact]
    public void Mac_UpperCaseWithNewline_Normalised() =>
        Assert.Equal(Mac, ImdsParser.Mac("mac", "12:FB:B4:8B:15:F8\n"));

    [Fact]
    public void InstanceId_HtmlPage_QuotedAndShortened()
    {
        var page = "<?xml version=\"1.0\"?>\n<html><head><title>500 - Internal Server Error</title></head><body>the instance metadata service is sad</body></html>";

        var error = Assert.Throws<ImdsException>(() => ImdsParser.InstanceId(page));

        Assert.StartsWith("IMDS returned '<?xml version=\"1.0\"?>\\n<html><head><title>500", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("…' for instance-id, which is not an instance ID (e.g. i-0123456789abcdef0).", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("us-east-1")]
    [InlineData("us-gov-west-1")]
    [InlineData("ap-southeast-2")]
    public void Region_RealNames_Accepted(string region) => Assert.Equal(region, ImdsParser.Region(region + "\n"));

    [Theory]
    [InlineData("Moon-1")]
    [InlineData("us-east-1a")]
    [InlineData("")]
    public void Region_Garbage_QuotesIt(string value)
    {
        var error = Assert.Throws<ImdsException>(() => ImdsParser.Region(value));

        Assert.Equal($"IMDS returned '{value}' for placement/region, which is not a region name (e.g. us-east-1).", error.Message);
    }

    [Fact]
    public void InterfaceId_Garbage_QuotesIt()
    {
        var error = Assert.Throws<ImdsException>(() => ImdsParser.InterfaceId("interface-id", "eni_bad"));

        Assert.Equal("IMDS returned 'eni_bad' for interface-id, which is not an ENI ID (e.g. eni-0123456789abcdef0).", error.Message);
    }

    [Fact]
    public void MacListing_DirectoryEntries_ParsedWithoutSlash() =>
        Assert.Equal(
            [MacAddress.Parse("0e:49:61:0f:c3:11"), Mac],
            ImdsParser.MacListing("12:fb:b4:8b:15:f8/\n0e:49:61:0f:c3:11/"));

    [Fact]
    public void Interface_AddressOutsideSubnet_NamesAddressAndSubnet()
    {
        var error = Assert.Throws<ImdsException>(() => ImdsParser.Interface(
            Mac, 0, "eni-0a1b2c3d4e5f60718",
            [IPAddress.Parse("2001:db8:47b:ca03::8"), IPAddress.Parse("2001:db8:dead::1")],
            [],
            [Network("2001:db8:47b:ca03::/64")]));

        Assert.Equal(
            $"IMDS lists 2001:db8:dead::1 in {Ipv6sKey} of eni-0a1b2c3d4e5f60718, but it lies outside every subnet IPv6 CIDR " +
            "(2001:db8:47b:ca03::/64); IMDS data is inconsistent, try again later.",
            error.Message);
    }

    [Fact]
    public void Interface_AddressesButNoSubnet_SaysSubnetHasNone()
    {
        var error = Assert.Throws<ImdsException>(() => ImdsParser.Interface(
            Mac, 0, "eni-0a1b2c3d4e5f60718", [IPAddress.Parse("2001:db8:47b:ca03::8")], [], []));

        Assert.Contains("outside every subnet IPv6 CIDR (the subnet has none)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2001:db8:ffff:0:1234::/80")]
    [InlineData("2001:db8:47b:ca00::/56")]
    public void Interface_PrefixOutsideSubnet_NamesPrefix(string prefix)
    {
        var error = Assert.Throws<ImdsException>(() => ImdsParser.Interface(
            Mac, 0, "eni-0a1b2c3d4e5f60718", [], [Network(prefix)], [Network("2001:db8:47b:ca03::/64")]));

        Assert.Equal(
            $"IMDS lists the delegated prefix {prefix} in {PrefixKey} of eni-0a1b2c3d4e5f60718, but it lies outside every subnet IPv6 CIDR " +
            "(2001:db8:47b:ca03::/64); IMDS data is inconsistent, try again later.",
            error.Message);
    }

    [Fact]
    public void Snapshot_BlogValuesAsEc2PrintsThem_ParsedExactly()
    {
        var raw = new ImdsRawSnapshot(
            "i-0123456789abcdef0", "us-east-1", "12:fb:b4:8b:15:f8", Mac, "0", "eni-0a1b2c3d4e5f60718",
            "2001:db8:47b:ca03:0:0:0:8\n2001:db8:47b:ca03:0:0:0:9\n2001:db8:47b:ca03:0:0:0:a\n2001:db8:47b:ca03:0:0:0:b\n2001:db8:47b:ca03:0:0:1:1",
            null,
            "2001:db8:47b:ca03::/64");

        var snapshot = ImdsParser.Snapshot(raw);

        Assert.Equal("i-0123456789abcdef0", snapshot.InstanceId);
        Assert.Equal("us-east-1", snapshot.Region);
        Assert.Equal(Mac, snapshot.PrimaryMac);
        Assert.Equal(Mac, snapshot.Interface.Mac);
        Assert.Equal(0, snapshot.Interface.DeviceNumber);
        Assert.Equal("eni-0a1b2c3d4e5f60718", snapshot.Interface.InterfaceId);
        Assert.Equal(
            ["2001:db8:47b:ca03::8", "2001:db8:47b:ca03::9", "2001:db8:47b:ca03::a", "2001:db8:47b:ca03::b", "2001:db8:47b:ca03::1:1"],
            snapshot.Interface.Ipv6s.Select(Ipv6.Format));
        Assert.Empty(snapshot.Interface.Ipv6Prefixes);
        Assert.Equal([Network("2001:db8:47b:ca03::/64")], snapshot.Interface.SubnetIpv6Cidrs);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("10.0.1.15", true)]
    [InlineData("10.0.1.15\n10.0.1.16", true)]
    public void Snapshot_LocalIpv4s_AbsentMeansAnIpv6OnlyEni(string? localIpv4s, bool hasIpv4)
    {
        var raw = new ImdsRawSnapshot(
            "i-0123456789abcdef0", "us-east-1", "12:fb:b4:8b:15:f8", Mac, "0", "eni-0a1b2c3d4e5f60718",
            "2001:db8:47b:ca03:0:0:1:1", null, "2001:db8:47b:ca03::/64", localIpv4s);

        Assert.Equal(hasIpv4, ImdsParser.Snapshot(raw).Interface.HasIpv4);
    }

    private static IPNetwork Network(string text) =>
        Ipv6.TryParseNetwork(text, out var network) ? network : throw new ArgumentException(text);
}
