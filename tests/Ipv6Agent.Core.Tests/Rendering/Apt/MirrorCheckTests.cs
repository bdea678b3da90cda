using Ipv6Agent.Configuration;
using Ipv6Agent.Inspecting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Ipv6Agent.Rendering.Apt;

/// <summary>
/// <c>apt.fix-mirrors</c>: when the apt stage moves the sources to the global mirrors, and how often it asks DNS. The lookup is
/// the test's own (no DNS here), counting the names asked.
/// </summary>
public sealed class MirrorCheckTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Regional = "deb http://us-east-1.ec2.archive.ubuntu.com/ubuntu/ jammy main\n";
    private const string Global = "deb http://archive.ubuntu.com/ubuntu/ jammy main\n";

    private readonly FakeTimeProvider _time = new();
    private readonly List<string> _asked = [];

    private MirrorCheck Check(MirrorFixMode mode, bool hasAaaa) =>
        new(new AptOptions { FixMirrors = mode }, _time, NullLogger<MirrorCheck>.Instance, (name, _) =>
        {
            _asked.Add(name);
            return Task.FromResult(hasAaaa);
        });

    private static HostSnapshot Host(string sources) =>
        new([], [], HasIpv4DefaultRoute: false, new Dictionary<string, string> { ["/etc/apt/sources.list"] = sources }, DockerVersion: null);

    [Fact]
    public async Task Auto_RegionalMirrorWithoutAaaa_Fixes()
    {
        Assert.True(await Check(MirrorFixMode.Auto, hasAaaa: false).ShouldFixMirrorsAsync("us-east-1", Host(Regional), Ct));
        Assert.Equal(["us-east-1.ec2.archive.ubuntu.com"], _asked);
    }

    [Fact]
    public async Task Auto_RegionalMirrorWithAaaa_KeepsIt() =>
        Assert.False(await Check(MirrorFixMode.Auto, hasAaaa: true).ShouldFixMirrorsAsync("us-east-1", Host(Regional), Ct));

    [Fact]
    public async Task Auto_NoRegionalMirrorNamed_AsksNothing()
    {
        Assert.False(await Check(MirrorFixMode.Auto, hasAaaa: false).ShouldFixMirrorsAsync("us-east-1", Host(Global), Ct));
        Assert.Empty(_asked);
    }

    [Fact]
    public async Task Auto_RegionThatIsNoRegionName_NeverBecomesAQuery()
    {
        Assert.False(await Check(MirrorFixMode.Auto, hasAaaa: false).ShouldFixMirrorsAsync("us-east-1.evil.example", Host(Regional), Ct));
        Assert.Empty(_asked);
    }

    [Theory]
    [InlineData(MirrorFixMode.Always, true)]
    [InlineData(MirrorFixMode.Never, false)]
    public async Task AlwaysAndNever_AskNothing(MirrorFixMode mode, bool fix)
    {
        Assert.Equal(fix, await Check(mode, hasAaaa: true).ShouldFixMirrorsAsync("us-east-1", Host(Regional), Ct));
        Assert.Empty(_asked);
    }

    [Fact]
    public async Task Auto_AnswerIsRememberedForAnHour_ThenAskedAgain()
    {
        var check = Check(MirrorFixMode.Auto, hasAaaa: true);
        await check.ShouldFixMirrorsAsync("us-east-1", Host(Regional), Ct);
        _time.Advance(MirrorCheck.CacheFor - TimeSpan.FromSeconds(1));
        await check.ShouldFixMirrorsAsync("us-east-1", Host(Regional), Ct);
        Assert.Single(_asked);
        _time.Advance(TimeSpan.FromSeconds(1));
        await check.ShouldFixMirrorsAsync("us-east-1", Host(Regional), Ct);
        Assert.Equal(2, _asked.Count);
    }
}
