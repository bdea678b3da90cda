using Ipv6Agent.Testing.Imds;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using static Ipv6Agent.Imds.ImdsTestSupport;

namespace Ipv6Agent.Imds;

/// <summary>What the client does when IMDS is off, slow, failing, far away or talking nonsense.</summary>
public sealed class ImdsClientFaultTests
{
    private const string Ipv6sPath = "/latest/meta-data/network/interfaces/macs/12:fb:b4:8b:15:f8/ipv6s";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadSnapshot_ImdsDisabled_SaysHowToEnableIt()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        server.Disabled = true;
        using var client = Client(server, out _);

        var error = await Assert.ThrowsAsync<ImdsException>(() => client.ReadSnapshotAsync(null, Ct));

        Assert.Equal(
            $"IMDS is disabled for this instance: PUT /latest/api/token at {server.Endpoint} answered 403 Forbidden. " +
            "Enable it with `aws ec2 modify-instance-metadata-options --instance-id <this instance's id> --http-endpoint enabled` " +
            "(add `--http-protocol-ipv6 enabled` for the IPv6 endpoint http://[fd00:ec2::254]/).",
            error.Message);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task ReadSnapshot_TransientServerErrors_RetriedThenSucceeds()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        server.FailNext(2, 503);
        using var client = Client(server, out var logger);

        var snapshot = await client.ReadSnapshotAsync(null, Ct);

        Assert.Equal(5, snapshot.Interface.Ipv6s.Count);
        Assert.Equal(2, server.CountStatus(503));
        Assert.Equal(2, logger.Collector.GetSnapshot().Count(r => r.Level == LogLevel.Warning && r.Message.Contains("HTTP 503", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ReadSnapshot_FakeClockAndTransientFailure_RetriesOnTheWallClock()
    {
        // A fake clock nobody advances must not turn a retry delay into a hang.
        var time = new FakeTimeProvider();
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog) with { Time = time });
        server.FailNext(1, 503);
        using var client = Client(server, out _, time);

        var snapshot = await client.ReadSnapshotAsync(null, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal("i-0123456789abcdef0", snapshot.InstanceId);
    }

    [Fact]
    public async Task ReadSnapshot_ReadKeepsFailing_ErrorNamesPathAndLastErrorNeverEmpty()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        server.Override("ipv6s", new FakeResponse(500, "internal failure"));
        using var client = Client(server, out _);

        var error = await Assert.ThrowsAsync<ImdsException>(() => client.ReadSnapshotAsync(null, Ct));

        Assert.StartsWith($"IMDS did not answer GET {Ipv6sPath} at {server.Endpoint} (4 tries in ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(
            " s; last error: HTTP 500 'internal failure'). A failed read is never taken as an empty value; try again later.",
            error.Message, StringComparison.Ordinal);
        Assert.Equal(4, server.Count("GET", "/ipv6s"));
    }

    [Fact]
    public async Task ReadSnapshot_TokenKeepsFailing_ErrorNamesTokenPath()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        server.FailNext(100, 500);
        using var client = Client(server, out _);

        var error = await Assert.ThrowsAsync<ImdsException>(() => client.ReadSnapshotAsync(null, Ct));

        Assert.StartsWith($"IMDS did not answer PUT /latest/api/token at {server.Endpoint} (4 tries in ", error.Message, StringComparison.Ordinal);
        Assert.Contains("last error: HTTP 500 'fake IMDS: injected failure 500'", error.Message, StringComparison.Ordinal);
        Assert.Null(client.Endpoint);
    }

    [Fact]
    public async Task ReadSnapshot_EndpointHangs_FailsWithinTheBudget()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        server.Delay = TimeSpan.FromSeconds(60);
        using var client = Client(server, out _);

        var started = TimeProvider.System.GetTimestamp();
        var error = await Assert.ThrowsAsync<ImdsException>(() => client.ReadSnapshotAsync(null, Ct));
        var elapsed = TimeProvider.System.GetElapsedTime(started);

        Assert.Contains("IMDS did not answer PUT /latest/api/token", error.Message, StringComparison.Ordinal);
        Assert.Contains("last error: no answer within 0.4 s", error.Message, StringComparison.Ordinal);
        // The server hangs for 60 s: 3 s over the budget still proves the budget held, with slack for a loaded CI machine.
        Assert.InRange(elapsed, TimeSpan.Zero, Fast.TotalBudget + TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task ReadSnapshot_ReadHangsAfterToken_FailsWithinTheBudget()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        using var client = Client(server, out _);
        await client.ReadSnapshotAsync(null, Ct);
        server.Delay = TimeSpan.FromSeconds(60);

        var started = TimeProvider.System.GetTimestamp();
        var error = await Assert.ThrowsAsync<ImdsException>(() => client.ReadSnapshotAsync(null, Ct));

        Assert.Matches(@"^IMDS did not answer GET /latest/meta-data/\S+ at http://127\.0\.0\.1:\d+/ \(\d tries in \d\.\d s; last error: no answer within 0\.\d s\)", error.Message);
        Assert.InRange(TimeProvider.System.GetElapsedTime(started), TimeSpan.Zero, Fast.TotalBudget + TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task ReadSnapshot_DefaultPolicyDeadFirstEndpoint_FallsThroughQuicklyAndRemembersSecond()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        var dead = ClosedPort();
        using var client = Client([dead, server.Endpoint], out var logger, policy: ImdsRetryPolicy.Default);

        var started = TimeProvider.System.GetTimestamp();
        await client.ReadSnapshotAsync(null, Ct);
        var elapsed = TimeProvider.System.GetElapsedTime(started);

        Assert.Equal(server.Endpoint, client.Endpoint);
        // Retrying the refused endpoint would cost the default backoff alone (0.25 + 0.5 + 1 s); 1.5 s leaves
        // room for a loaded CI machine and still tells the two apart.
        Assert.InRange(elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1.5));
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Information && r.Message == $"Using IMDS at {server.Endpoint}");
    }

    [Fact]
    public async Task ReadSnapshot_FirstEndpointHangs_SecondUsedAfterOneRequestTimeout()
    {
        await using var slow = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        slow.Delay = TimeSpan.FromSeconds(60);
        await using var good = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        using var client = Client([slow.Endpoint, good.Endpoint], out _);

        var started = TimeProvider.System.GetTimestamp();
        await client.ReadSnapshotAsync(null, Ct);

        Assert.Equal(good.Endpoint, client.Endpoint);
        // The request timeout is a .NET timer, which on Linux runs on the coarse monotonic clock (4 ms ticks):
        // it may fire a few ms before the high-resolution clock says the timeout has passed (CI saw 398.8 ms of 400).
        var timerSlack = TimeSpan.FromMilliseconds(50);
        Assert.InRange(TimeProvider.System.GetElapsedTime(started), Fast.RequestTimeout - timerSlack, Fast.RequestTimeout + TimeSpan.FromSeconds(3));
        Assert.Equal(0, good.Count("PUT") - 1);
    }

    [Fact]
    public async Task ReadSnapshot_NoEndpointAnswers_ListsThemAndTheIpv6Hint()
    {
        var first = ClosedPort();
        var second = ClosedPort();
        using var client = Client([first, second], out _);

        var error = await Assert.ThrowsAsync<ImdsException>(() => client.ReadSnapshotAsync(null, Ct));

        Assert.StartsWith($"IMDS did not answer PUT /latest/api/token at {first}, {second} (4 tries in ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"last error: {second}: ConnectionRefused", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(
            "On an IPv6-only instance the IPv6 endpoint must be on: `aws ec2 modify-instance-metadata-options --instance-id <this instance's id> " +
            "--http-endpoint enabled --http-protocol-ipv6 enabled` (Nitro instances only).",
            error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ipv6s", "not-an-address",
        "IMDS returned 'not-an-address' for network/interfaces/macs/12:fb:b4:8b:15:f8/ipv6s, which is not an IPv6 address.")]
    [InlineData("ipv6s", "2001:db8:47b:ca03:0:0:0:8\n10.0.0.5",
        "IMDS returned '10.0.0.5' for network/interfaces/macs/12:fb:b4:8b:15:f8/ipv6s, an IPv4 address where IPv6 is expected.")]
    [InlineData("ipv6s", "2001:db8:dead:beef:0:0:0:1",
        "IMDS lists 2001:db8:dead:beef::1 in network/interfaces/macs/12:fb:b4:8b:15:f8/ipv6s of eni-0a1b2c3d4e5f60718, but it lies outside every subnet IPv6 CIDR (2001:db8:47b:ca03::/64); IMDS data is inconsistent, try again later.")]
    [InlineData("ipv6-prefix", "2001:db8:47b:ca03:1234:0:0:1/80",
        "IMDS returned '2001:db8:47b:ca03:1234:0:0:1/80' for network/interfaces/macs/12:fb:b4:8b:15:f8/ipv6-prefix, which has host bits set (the network would be 2001:db8:47b:ca03:1234::/80).")]
    [InlineData("ipv6-prefix", "2001:db8:ffff:0:1234::/80",
        "IMDS lists the delegated prefix 2001:db8:ffff:0:1234::/80 in network/interfaces/macs/12:fb:b4:8b:15:f8/ipv6-prefix of eni-0a1b2c3d4e5f60718, but it lies outside every subnet IPv6 CIDR (2001:db8:47b:ca03::/64); IMDS data is inconsistent, try again later.")]
    [InlineData("subnet-ipv6-cidr-blocks", "10.1.0.0/16",
        "IMDS returned '10.1.0.0/16' for network/interfaces/macs/12:fb:b4:8b:15:f8/subnet-ipv6-cidr-blocks, an IPv4 prefix where IPv6 is expected.")]
    [InlineData("device-number", "eth0",
        "IMDS returned 'eth0' for network/interfaces/macs/12:fb:b4:8b:15:f8/device-number, which is not a device number (expected a whole number such as 0).")]
    [InlineData("interface-id", "eni_bad",
        "IMDS returned 'eni_bad' for network/interfaces/macs/12:fb:b4:8b:15:f8/interface-id, which is not an ENI ID (e.g. eni-0123456789abcdef0).")]
    [InlineData("instance-id", "",
        "IMDS returned '' for instance-id, which is not an instance ID (e.g. i-0123456789abcdef0).")]
    [InlineData("placement/region", "Moon-1",
        "IMDS returned 'Moon-1' for placement/region, which is not a region name (e.g. us-east-1).")]
    public async Task ReadSnapshot_GarbageValue_MessageQuotesIt(string key, string body, string expected)
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        server.Override(key, FakeResponse.Ok(body));
        using var client = Client(server, out _);

        var error = await Assert.ThrowsAsync<ImdsException>(() => client.ReadSnapshotAsync(null, Ct));

        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public async Task ReadSnapshot_GarbagePrimaryMac_MessageQuotesIt()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        server.Override("mac", FakeResponse.Ok("<html>oops</html>"));
        using var client = Client(server, out _);

        var error = await Assert.ThrowsAsync<ImdsException>(() => client.ReadSnapshotAsync(null, Ct));

        Assert.Equal("IMDS returned '<html>oops</html>' for mac, which is not a MAC address (expected six hex pairs, e.g. 12:fb:b4:8b:15:f8).", error.Message);
    }

    [Fact]
    public async Task ReadSnapshot_UnexpectedStatus_NamesStatusAndPath()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        server.Override("ipv6s", new FakeResponse(400, "Bad Request"));
        using var client = Client(server, out _);

        var error = await Assert.ThrowsAsync<ImdsException>(() => client.ReadSnapshotAsync(null, Ct));

        Assert.Equal($"IMDS answered HTTP 400 'Bad Request' to GET {Ipv6sPath} at {server.Endpoint}.", error.Message);
    }
}
