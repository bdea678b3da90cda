namespace Ipv6Agent.Verifying;

/// <summary>
/// <c>probe.image</c> read by Docker's reference grammar (distribution/reference): a registry with a port, a digest, a
/// tag and a digest. What the pull asks for is what <c>docker pull</c> asks for: the name, then the digest, else the tag.
/// </summary>
public sealed class ImageReferenceTests
{
    private const string Sha = "sha256:6d9ac9237a84afe1516540f40a0fafdc86859b2141954b4d643af7066d598b74";

    [Theory]
    [InlineData("busybox:stable", "busybox", "stable")]
    [InlineData("busybox", "busybox", "latest")]
    [InlineData("busybox@" + Sha, "busybox", Sha)]
    [InlineData("busybox:1.36@" + Sha, "busybox", Sha)]
    [InlineData("library/busybox@" + Sha, "library/busybox", Sha)]
    [InlineData("registry.local:5000/tools/busybox", "registry.local:5000/tools/busybox", "latest")]
    [InlineData("registry.local:5000/busybox:1.36", "registry.local:5000/busybox", "1.36")]
    [InlineData("registry.local:5000/busybox@" + Sha, "registry.local:5000/busybox", Sha)]
    [InlineData("registry.local:5000/busybox:1.36@" + Sha, "registry.local:5000/busybox", Sha)]
    [InlineData("localhost:5000/probe", "localhost:5000/probe", "latest")]
    [InlineData("localhost/probe:v1", "localhost/probe", "v1")]
    [InlineData("[2001:db8::5]:5000/probe:v1", "[2001:db8::5]:5000/probe", "v1")]
    [InlineData("10.0.0.5:5000/a/b_c/d-e.f__g:V1.0_rc-1", "10.0.0.5:5000/a/b_c/d-e.f__g", "V1.0_rc-1")]
    [InlineData("public.ecr.aws/docker/library/busybox:stable-musl", "public.ecr.aws/docker/library/busybox", "stable-musl")]
    public void Parse_PullsByNameThenDigestElseTag(string image, string repository, string pullTag)
    {
        var reference = ImageReference.Parse(image);

        Assert.Equal(repository, reference.Repository);
        Assert.Equal(pullTag, reference.PullTag);
        Assert.Equal((repository, pullTag), DockerProbe.SplitImage(image));
    }

    [Theory]
    [InlineData("busybox@" + Sha, null, Sha)]
    [InlineData("busybox:1.36@" + Sha, "1.36", Sha)]
    [InlineData("host:5000/img:tag", "tag", null)]
    [InlineData("host:5000/img", null, null)]
    public void Parse_KeepsTagAndDigestApart(string image, string? tag, string? digest)
    {
        var reference = ImageReference.Parse(image);

        Assert.Equal(tag, reference.Tag);
        Assert.Equal(digest, reference.Digest);
        Assert.Equal(image, reference.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("Busybox")]
    [InlineData("busybox:")]
    [InlineData("busybox@")]
    [InlineData("busybox@sha256:abc")]
    [InlineData("busybox@sha256:6D9AC9237A84AFE1516540F40A0FAFDC86859B2141954B4D643AF7066D598B74")]
    [InlineData("busybox@sha256:6d9ac9237a84afe1516540f40a0fafdc86859b2141954b4d643af7066d598b7")]
    [InlineData("busybox:a:b")]
    [InlineData("busy box")]
    [InlineData("busybox\n")]
    [InlineData("a//b")]
    [InlineData("/busybox")]
    [InlineData("busybox/")]
    [InlineData("-busybox")]
    [InlineData("busybox:-tag")]
    [InlineData("host:port/img")]
    [InlineData("busybox@" + Sha + "@" + Sha)]
    [InlineData("busybox:\u001b[31m")]
    public void Parse_NotAReference_IsRefusedWithTheReason(string image)
    {
        Assert.False(ImageReference.TryParse(image, out _, out var why));
        Assert.False(string.IsNullOrEmpty(why));
    }

    [Fact]
    public void Parse_TagLongerThan128_IsRefused()
    {
        Assert.True(ImageReference.TryParse("busybox:" + new string('a', 128), out _, out _));
        Assert.False(ImageReference.TryParse("busybox:" + new string('a', 129), out _, out _));
    }

    [Fact]
    public void Parse_NameLongerThan255_IsRefused()
    {
        Assert.True(ImageReference.TryParse(new string('a', 255), out _, out _));
        Assert.False(ImageReference.TryParse(new string('a', 256), out _, out _));
    }
}
