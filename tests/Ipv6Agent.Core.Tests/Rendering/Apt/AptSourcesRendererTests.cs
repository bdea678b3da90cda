using Ipv6Agent.Rendering.Apt;

namespace Ipv6Agent.Rendering;

public sealed class AptSourcesRendererTests
{
    [Fact]
    public void FixMirrors_OneLineSourcesList_RewritesRegionalMirrorsOnly()
    {
        var fixedText = AptSourcesRenderer.FixMirrors(Fixture.Text("apt/sources.list"), AptSourceFormat.OneLine);

        Golden.AssertMatches("apt/sources.list", fixedText);
        Assert.Contains("\ndeb http://archive.ubuntu.com/ubuntu/ jammy main restricted\n", fixedText);
        Assert.Contains("\n# deb-src http://us-east-1.ec2.archive.ubuntu.com/ubuntu/ jammy main restricted\n", fixedText);
        Assert.Contains("\ndeb-src\thttp://archive.ubuntu.com/ubuntu/   jammy-updates main restricted\n", fixedText);
        Assert.Contains("\ndeb [arch=arm64] http://ports.ubuntu.com/ubuntu-ports/ jammy main\n", fixedText);
        Assert.Contains("http://mirror.example.com/us-east-1.ec2.archive.ubuntu.com.example/ubuntu", fixedText);
    }

    [Fact]
    public void FixMirrors_Deb822Sources_RewritesEveryUriOfTheUrisFieldOnly()
    {
        var fixedText = AptSourcesRenderer.FixMirrors(Fixture.Text("apt/ubuntu.sources"), AptSourceFormat.Deb822);

        Golden.AssertMatches("apt/ubuntu.sources", fixedText);
        Assert.Contains("\nURIs: http://archive.ubuntu.com/ubuntu/\n", fixedText);
        Assert.Contains("\nuris: http://ports.ubuntu.com/ubuntu-ports/ http://mirror.example.com/ubuntu-ports/\n", fixedText);
        Assert.Contains("\n# URIs: http://eu-west-1.ec2.ports.ubuntu.com/ubuntu-ports/\n  https://archive.ubuntu.com/ubuntu/\n", fixedText);
        Assert.Contains("\nX-Note: http://us-east-1.ec2.archive.ubuntu.com/ is only mentioned here\n", fixedText);
    }

    [Theory]
    [InlineData(AptSourceFormat.OneLine, "deb http://security.ubuntu.com/ubuntu jammy-security main\n")]
    [InlineData(AptSourceFormat.Deb822, "Types: deb\nURIs: http://archive.ubuntu.com/ubuntu/\nSuites: noble\n")]
    public void FixMirrors_NothingRegional_ReturnsTheSameString(AptSourceFormat format, string text) =>
        Assert.Same(text, AptSourcesRenderer.FixMirrors(text, format));

    [Theory]
    [InlineData("sources.list", AptSourceFormat.OneLine)]
    [InlineData("ubuntu.sources", AptSourceFormat.Deb822)]
    public void FixMirrors_Twice_IsTheSameAsOnce(string fixture, AptSourceFormat format)
    {
        var once = AptSourcesRenderer.FixMirrors(Fixture.Text("apt/" + fixture), format);

        Assert.Same(once, AptSourcesRenderer.FixMirrors(once, format));
    }

    [Fact]
    public void RegionalMirrorHosts_Region_ListsArchiveAndPorts() =>
        Assert.Equal(["us-east-1.ec2.archive.ubuntu.com", "us-east-1.ec2.ports.ubuntu.com"], AptSourcesRenderer.RegionalMirrorHosts("us-east-1"));

    [Theory]
    [InlineData("")]
    [InlineData("us-east-1.evil.com/")]
    [InlineData("US-EAST-1")]
    public void RegionalMirrorHosts_NotARegion_SaysSo(string region) =>
        Assert.Equal($"'{region}' is not an AWS region name (e.g. us-east-1) (Parameter 'region')",
            Assert.Throws<ArgumentException>(() => AptSourcesRenderer.RegionalMirrorHosts(region)).Message);
}
