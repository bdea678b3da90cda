using System.Diagnostics;
using System.Text;
using Ipv6Agent.Testing.Imds;
using Microsoft.Extensions.Time.Testing;
using static Ipv6Agent.Imds.ImdsTestSupport;

namespace Ipv6Agent.Imds;

/// <summary>
/// IMDS answers written by an attacker (or a broken proxy): every one is an <see cref="ImdsException"/> with one line a
/// person can read (no control character reaches it), never another exception, never a token kept for the next pass.
/// </summary>
public sealed class ImdsHostileAnswerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> HostileTokens => new()
    {
        { "CR LF header injection", "AQAEAKs1\r\nX-Injected: 1" },
        { "bare CR", "AQAEAKs1\rMAINPID=1" },
        { "bare LF", "AQAE\nAKs1" },
        { "NUL", "AQAE\0AKs1" },
        { "ANSI escape", "\u001b[31mAQAEAKs1" },
        { "DEL", "AQAE\u007fAKs1" },
        { "space inside", "AQAE AKs1" },
        { "tab inside", "AQAE\tAKs1" },
        { "non-ASCII", "AQAEÄKs1" },
        { "line separator", "AQAE\u2028AKs1" },
        { "too long", new string('A', 100_000) },
    };

    [Theory]
    [MemberData(nameof(HostileTokens))]
    public async Task ReadSnapshot_HostileToken_OneLineErrorAndTheNextPassAsksForANewToken(string what, string token)
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        server.TokenAnswer = FakeResponse.Ok(token);
        using var client = Client(server, out _);

        var error = await Assert.ThrowsAsync<ImdsException>(() => client.ReadSnapshotAsync(null, Ct));

        AssertOneLine(error.Message, what);
        Assert.Contains("/latest/api/token", error.Message, StringComparison.Ordinal);
        server.TokenAnswer = null;
        var snapshot = await client.ReadSnapshotAsync(null, Ct);
        Assert.Equal("i-0123456789abcdef0", snapshot.InstanceId);
        Assert.Equal(2, server.Count("PUT"));
    }

    [Theory]
    [InlineData("900000000000")]
    [InlineData("922337203685")]
    [InlineData("922337203686")]
    [InlineData("9223372036854775807")]
    [InlineData("99999999999999999999999999999999")]
    [InlineData("1e308")]
    [InlineData("-5")]
    [InlineData("0")]
    [InlineData("NaN")]
    [InlineData("21600.5")]
    [InlineData(" 60 ")]
    public async Task ReadSnapshot_AbsurdTokenLifetime_ClampedToWhatWasAskedFor(string ttl)
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog) with { Time = time });
        server.TokenAnswer = FakeResponse.Ok("AQAEAKs1hostile-ttl==") with
        {
            Headers = new Dictionary<string, string> { [FakeImdsServer.TokenTtlHeader] = ttl },
        };
        using var client = Client(server, out _, time);

        Assert.Equal("i-0123456789abcdef0", (await client.ReadSnapshotAsync(null, Ct)).InstanceId);

        // The fake accepts the token for the six hours the client asked for; the client must not trust it longer.
        time.Advance(TimeSpan.FromHours(6));
        server.TokenAnswer = null;
        Assert.Equal("i-0123456789abcdef0", (await client.ReadSnapshotAsync(null, Ct)).InstanceId);
        Assert.Equal(2, server.Count("PUT"));
        Assert.Equal(0, server.CountStatus(401));
    }

    public static TheoryData<string, FakeResponse> HostileBodies => new()
    {
        { "ANSI escape in a value", FakeResponse.Ok("\u001b[2J\u001b[31mus-east-1") },
        { "CR injection in a value", FakeResponse.Ok("us-east-1\rMAINPID=1\r") },
        { "NUL in a value", FakeResponse.Ok("us-east\01") },
        { "not UTF-8", new FakeResponse(200) { Bytes = new byte[] { 0x75, 0x73, 0xff, 0xfe, 0x2d, 0x31 } } },
        { "UTF-16 by charset", new FakeResponse(200) { Bytes = Encoding.Unicode.GetBytes("us-east-1"), Headers = new Dictionary<string, string> { ["Content-Type"] = "text/plain; charset=utf-16" } } },
        { "bidi override", FakeResponse.Ok("us-\u202Eeast-1") },
        { "two megabytes", FakeResponse.Ok(new string('a', 2 << 20)) },
        { "error status with escapes", new FakeResponse(418, "\u001b]0;owned\u0007\rMAINPID=1\n") },
        { "server error with escapes", new FakeResponse(500, "\u001b[31mboom\rMAINPID=1") },
    };

    [Theory]
    [MemberData(nameof(HostileBodies))]
    public async Task ReadSnapshot_HostileValue_OneLineError(string what, FakeResponse answer)
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        server.Override("placement/region", answer);
        using var client = Client(server, out _);

        var error = await Assert.ThrowsAsync<ImdsException>(() => client.ReadSnapshotAsync(null, Ct));

        AssertOneLine(error.Message, what);
        Assert.Contains("placement/region", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadSnapshot_SlowDripAnswer_FailsWithinTheBudget()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        // Every byte arrives in time for a socket timeout, the whole answer never in time for a request.
        server.Override("placement/region", FakeResponse.Ok("us-east-1" + new string(' ', 100)) with { Drip = TimeSpan.FromMilliseconds(50) });
        using var client = Client(server, out _);
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ImdsException>(() => client.ReadSnapshotAsync(null, Ct));

        Assert.True(watch.Elapsed < Fast.TotalBudget + TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        AssertOneLine(error.Message, "slow drip");
        Assert.Contains("placement/region", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadSnapshot_SlowDripToken_FailsWithinTheBudget()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        server.TokenAnswer = FakeResponse.Ok(new string('A', 200)) with { Drip = TimeSpan.FromMilliseconds(50) };
        using var client = Client(server, out _);
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ImdsException>(() => client.ReadSnapshotAsync(null, Ct));

        Assert.True(watch.Elapsed < Fast.TotalBudget + TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        AssertOneLine(error.Message, "slow drip token");
    }

    private static void AssertOneLine(string message, string what)
    {
        Assert.True(message.Length < 1000, $"{what}: the message is {message.Length} characters long");
        foreach (var c in message)
            Assert.False(char.IsControl(c) || c is '\u2028' or '\u2029' or (>= '\u202A' and <= '\u202E'),
                $"{what}: the message holds U+{(int)c:X4}: {message}");
    }
}

/// <summary>
/// What IMDS may hand the planner is bounded by what EC2 can give an ENI: a few dozen addresses, a few prefixes, one
/// subnet, all global unicast. Anything beyond is refused at the edge with the key and the limit, in bounded memory.
/// </summary>
public sealed class ImdsEniLimitTests
{
    private const string Mac = FakeInstances.BlogMac;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Many(int count) =>
        string.Join('\n', Enumerable.Range(1, count).Select(i => $"2001:db8:47b:ca03:0:0:{i / 65536:x}:{i % 65536:x}"));

    public static TheoryData<string, string, string> BeyondAnEni => new()
    {
        { "ipv6s", Many(65), "65 IPv6 addresses" },
        { "ipv6s", Many(10_000), "larger than 64 KiB" },
        { "ipv6-prefix", string.Join('\n', Enumerable.Range(1, 65).Select(i => $"2001:db8:47b:ca03:{i:x}::/80")), "65 delegated prefixes" },
        { "subnet-ipv6-cidr-blocks", string.Join('\n', Enumerable.Range(1, 9).Select(i => $"2001:db8:47b:ca0{i}::/64")), "9 subnet IPv6 CIDR blocks" },
        { "ipv6s", "fe80::1", "not a global unicast address" },
        { "ipv6s", "ff02::1", "not a global unicast address" },
        { "ipv6s", "fd00:ec2::5", "not a global unicast address" },
        { "ipv6s", "::1", "not a global unicast address" },
        { "ipv6s", "::", "not a global unicast address" },
        { "subnet-ipv6-cidr-blocks", "::/0", "not a global unicast prefix" },
        { "subnet-ipv6-cidr-blocks", "::/1", "not a global unicast prefix" },
        { "subnet-ipv6-cidr-blocks", "8000::/1", "not a global unicast prefix" },
        { "subnet-ipv6-cidr-blocks", "2000::/3", "/3, where EC2 subnets are /32 to /64" },
        { "subnet-ipv6-cidr-blocks", "fe80::/64", "not a global unicast prefix" },
        { "subnet-ipv6-cidr-blocks", "ff00::/8", "not a global unicast prefix" },
        { "subnet-ipv6-cidr-blocks", "fd00:ec2::/64", "not a global unicast prefix" },
        { "subnet-ipv6-cidr-blocks", "2001:db8:47b:ca03::1/128", "/128, where EC2 subnets are /32 to /64" },
        { "ipv6-prefix", "2001:db8:47b:ca03::/127", "/127, where EC2 delegated prefixes are /64 to /126" },
        { "ipv6-prefix", "fe80::/80", "not a global unicast prefix" },
    };

    [Theory]
    [MemberData(nameof(BeyondAnEni))]
    public async Task ReadSnapshot_BeyondWhatAnEniCanHave_RefusedNamingTheKey(string key, string body, string reason)
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        server.Override(key, FakeResponse.Ok(body));
        using var client = Client(server, out _);

        var error = await Assert.ThrowsAsync<ImdsException>(() => client.ReadSnapshotAsync(null, Ct));

        Assert.Contains($"network/interfaces/macs/{Mac}/{key}", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 600, error.Message);
    }

    [Fact]
    public async Task ReadSnapshot_AsManyAddressesAsTheLargestEni_IsRead()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        server.Override("ipv6s", FakeResponse.Ok(Many(50)));
        using var client = Client(server, out _);

        var snapshot = await client.ReadSnapshotAsync(null, Ct);

        Assert.Equal(50, snapshot.Interface.Ipv6s.Count);
    }
}
