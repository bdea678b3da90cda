using Ipv6Agent.Verifying;

namespace Ipv6Agent.Engine;

public sealed class DockerConnectionTests
{
    [Theory]
    [InlineData("1.41", "1.41")] // Debian 12's docker.io 20.10
    [InlineData("1.99", "1.52")] // an engine newer than the client: the client's newest
    [InlineData("garbage", "1.52")]
    [InlineData(null, "1.52")]
    public void Negotiate_PinsTheOlderOfEngineAndClient(string? engine, string expected) =>
        Assert.Equal(Version.Parse(expected), DockerConnection.Negotiate(engine));

    [Theory]
    [InlineData("busybox:stable", "busybox", "stable")]
    [InlineData("busybox", "busybox", "latest")]
    [InlineData("registry.local:5000/tools/busybox", "registry.local:5000/tools/busybox", "latest")]
    [InlineData("registry.local:5000/busybox:1.36", "registry.local:5000/busybox", "1.36")]
    public void SplitImage_RepositoryAndTag(string image, string repository, string tag) =>
        Assert.Equal((repository, tag), DockerProbe.SplitImage(image));
}
