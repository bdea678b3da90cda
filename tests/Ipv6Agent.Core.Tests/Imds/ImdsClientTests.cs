using Ipv6Agent.Addressing;
using Ipv6Agent.Testing.Imds;
using Microsoft.Extensions.Time.Testing;
using static Ipv6Agent.Imds.ImdsTestSupport;

namespace Ipv6Agent.Imds;

/// <summary>The client against the real fake IMDS on 127.0.0.1: what a healthy pass reads, and how tokens are kept.</summary>
public sealed class ImdsClientTests
{
    private static readonly MacAddress BlogMac = MacAddress.Parse(FakeInstances.BlogMac);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadSnapshot_BlogInstance_ParsesExactly()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        using var client = Client(server, out _);

        var snapshot = await client.ReadSnapshotAsync(null, Ct);

        Assert.Equal("i-0123456789abcdef0", snapshot.InstanceId);
        Assert.Equal("us-east-1", snapshot.Region);
        Assert.Equal(BlogMac, snapshot.PrimaryMac);
        Assert.Equal(BlogMac, snapshot.Interface.Mac);
        Assert.Equal(0, snapshot.Interface.DeviceNumber);
        Assert.Equal("eni-0a1b2c3d4e5f60718", snapshot.Interface.InterfaceId);
        Assert.Equal(
            ["2001:db8:47b:ca03::8", "2001:db8:47b:ca03::9", "2001:db8:47b:ca03::a", "2001:db8:47b:ca03::b", "2001:db8:47b:ca03::1:1"],
            snapshot.Interface.Ipv6s.Select(Ipv6.Format));
        Assert.Empty(snapshot.Interface.Ipv6Prefixes);
        Assert.Equal(["2001:db8:47b:ca03::/64"], snapshot.Interface.SubnetIpv6Cidrs.Select(Ipv6.Format));
        Assert.Equal(server.Endpoint, client.Endpoint);
    }

    [Fact]
    public async Task ReadSnapshot_EachPass_OneTokenAtMostAndNineReadsAllWithToken()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        using var client = Client(server, out _);

        await client.ReadSnapshotAsync(null, Ct);
        Assert.Equal(1, server.Count("PUT"));
        Assert.Equal(9, server.Count("GET"));

        server.ClearRequests();
        await client.ReadSnapshotAsync(null, Ct);
        Assert.Equal(0, server.Count("PUT"));
        Assert.Equal(9, server.Count("GET"));
        Assert.All(server.Requests, r => Assert.True(r.HadToken, $"{r.Method} {r.Path} was sent without a token"));
        // Blog's ENI has no delegated prefix and, in an IPv6-only subnet, no IPv4: those optional keys are absent, everything else answers.
        Assert.Equal(["/latest/meta-data/network/interfaces/macs/12:fb:b4:8b:15:f8/ipv6-prefix", "/latest/meta-data/network/interfaces/macs/12:fb:b4:8b:15:f8/local-ipv4s"],
            server.Requests.Where(r => r.Status != 200).Select(r => r.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ReadSnapshot_ConfiguredSecondaryMac_ReadsThatEniWithItsDelegatedPrefix()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.TwoSubnets));
        using var client = Client(server, out _);

        var snapshot = await client.ReadSnapshotAsync(MacAddress.Parse("0E-49-61-0F-C3-11"), Ct);

        Assert.Equal(BlogMac, snapshot.PrimaryMac);
        Assert.Equal("0e:49:61:0f:c3:11", snapshot.Interface.Mac.ToString());
        Assert.Equal(1, snapshot.Interface.DeviceNumber);
        Assert.Equal("eni-0fedcba9876543210", snapshot.Interface.InterfaceId);
        Assert.Equal(["2001:db8:47b:ca04::10"], snapshot.Interface.Ipv6s.Select(Ipv6.Format));
        Assert.Equal(["2001:db8:47b:ca04:1234::/80"], snapshot.Interface.Ipv6Prefixes.Select(Ipv6.Format));
        Assert.Equal(["2001:db8:47b:ca04::/64"], snapshot.Interface.SubnetIpv6Cidrs.Select(Ipv6.Format));
        Assert.Equal(1, server.Count("PUT"));
        Assert.Equal(9, server.Count("GET"));
    }

    [Fact]
    public async Task ReadSnapshot_EniWithoutIpv6_OptionalKeysAbsentMeanEmpty()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.TwoSubnets));
        using var client = Client(server, out _);

        var snapshot = await client.ReadSnapshotAsync(MacAddress.Parse("0e:49:61:0f:c3:22"), Ct);

        Assert.Empty(snapshot.Interface.Ipv6s);
        Assert.Empty(snapshot.Interface.Ipv6Prefixes);
        Assert.Empty(snapshot.Interface.SubnetIpv6Cidrs);
        Assert.False(snapshot.Interface.HasIpv4);
        Assert.Equal(4, server.CountStatus(404));
    }

    [Fact]
    public async Task ReadSnapshot_MacNotAttached_SaysSoAndListsAttachedMacs()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.TwoSubnets));
        using var client = Client(server, out _);

        var error = await Assert.ThrowsAsync<ImdsException>(() => client.ReadSnapshotAsync(MacAddress.Parse("02:00:00:00:00:99"), Ct));

        Assert.Equal(
            "No ENI with MAC 02:00:00:00:00:99 is attached to this instance (IMDS lists 0e:49:61:0f:c3:11, 0e:49:61:0f:c3:22, 12:fb:b4:8b:15:f8). " +
            "Set `interface:` in the configuration to one of these, or to auto for the primary ENI.",
            error.Message);
    }

    [Theory]
    [InlineData("instance-id")]
    [InlineData("placement/region")]
    [InlineData("mac")]
    public async Task ReadSnapshot_MandatoryKeyMissing_NamesTheKey(string key)
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        server.Override(key, FakeResponse.NotFound);
        using var client = Client(server, out _);

        var error = await Assert.ThrowsAsync<ImdsException>(() => client.ReadSnapshotAsync(null, Ct));

        Assert.Equal(
            $"IMDS has no {key} (404 for GET /latest/meta-data/{key}), which every EC2 instance has; this does not look like EC2 instance metadata.",
            error.Message);
    }

    [Fact]
    public async Task ReadSnapshot_InterfaceIdMissingOnAttachedEni_NamesTheKey()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        server.Override("interface-id", FakeResponse.NotFound);
        using var client = Client(server, out _);

        var error = await Assert.ThrowsAsync<ImdsException>(() => client.ReadSnapshotAsync(null, Ct));

        Assert.StartsWith(
            "IMDS has no network/interfaces/macs/12:fb:b4:8b:15:f8/interface-id (404 for GET /latest/meta-data/network/interfaces/macs/12:fb:b4:8b:15:f8/interface-id)",
            error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadSnapshot_TokenWithinLifetime_Reused()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 20, 0, 0, TimeSpan.Zero));
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog) with { Time = time });
        using var client = Client(server, out _, time);

        await client.ReadSnapshotAsync(null, Ct);
        time.Advance(TimeSpan.FromHours(5));
        await client.ReadSnapshotAsync(null, Ct);

        Assert.Equal(1, server.Count("PUT"));
    }

    [Fact]
    public async Task ReadSnapshot_TokenAboutToExpire_RenewedBeforeIMDSRefusesIt()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 20, 0, 0, TimeSpan.Zero));
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog) with { Time = time });
        using var client = Client(server, out _, time);

        await client.ReadSnapshotAsync(null, Ct);
        time.Advance(TimeSpan.FromHours(6) - TimeSpan.FromSeconds(30));
        server.ClearRequests();
        await client.ReadSnapshotAsync(null, Ct);

        Assert.Equal(1, server.Count("PUT"));
        Assert.Equal(0, server.CountStatus(401));
    }

    [Fact]
    public async Task ReadSnapshot_TokenPastServerTtl_ServerRefusesOldOne()
    {
        // The fake honours the TTL itself: a token used after it is refused, which is what the client's early renewal avoids.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 20, 0, 0, TimeSpan.Zero));
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog) with { Time = time });
        using var http = new HttpClient();
        using var put = new HttpRequestMessage(HttpMethod.Put, new Uri(server.Endpoint, "/latest/api/token"));
        put.Headers.Add(FakeImdsServer.TokenTtlHeader, "60");
        var token = await (await http.SendAsync(put, Ct)).Content.ReadAsStringAsync(Ct);

        time.Advance(TimeSpan.FromSeconds(61));
        using var get = new HttpRequestMessage(HttpMethod.Get, new Uri(server.Endpoint, "/latest/meta-data/instance-id"));
        get.Headers.Add(FakeImdsServer.TokenHeader, token);
        var response = await http.SendAsync(get, Ct);

        Assert.Equal(401, (int)response.StatusCode);
    }

    [Fact]
    public async Task ReadSnapshot_TokensExpiredServerSide_RenewedOnceForTheWholePass()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        using var client = Client(server, out var logger);
        await client.ReadSnapshotAsync(null, Ct);

        server.ExpireAllTokens();
        server.ClearRequests();
        var snapshot = await client.ReadSnapshotAsync(null, Ct);

        Assert.Equal("i-0123456789abcdef0", snapshot.InstanceId);
        Assert.Equal(1, server.Count("PUT"));
        Assert.InRange(server.CountStatus(401), 1, 3);
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Message.Contains("refused the token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReadSnapshot_FreshTokenAlsoRefused_RenewsExactlyOnceThenFails()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        server.Override("ipv6s", new FakeResponse(401, "Unauthorized"));
        using var client = Client(server, out _);

        var error = await Assert.ThrowsAsync<ImdsException>(() => client.ReadSnapshotAsync(null, Ct));

        Assert.Equal(
            $"IMDS refused a fresh token for GET /latest/meta-data/network/interfaces/macs/12:fb:b4:8b:15:f8/ipv6s at {server.Endpoint} " +
            "(401 twice, a new token in between); check that nothing between this host and IMDS rewrites requests (a proxy must not be used for IMDS).",
            error.Message);
        Assert.Equal(2, server.Count("PUT"));
        Assert.Equal(2, server.Count("GET", "/ipv6s"));
    }

    [Fact]
    public async Task IsReachable_ServerUp_True()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        using var client = Client(server, out _);
        await client.ReadSnapshotAsync(null, Ct);
        server.ClearRequests();

        Assert.True(await client.IsReachableAsync(TimeSpan.FromSeconds(2), Ct));
        Assert.Equal(1, server.Count("PUT"));
    }

    [Fact]
    public async Task IsReachable_AfterReads_AsksOnANewConnectionEachTime()
    {
        // After netplan apply a kept-alive connection still has the source address it was opened with, which says nothing
        // about whether the host reaches IMDS as it is addressed now.
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        using var client = Client(server, out _);
        await client.ReadSnapshotAsync(null, Ct);
        var readConnections = server.Requests.Select(r => r.Connection).ToHashSet();
        server.ClearRequests();

        Assert.True(await client.IsReachableAsync(TimeSpan.FromSeconds(2), Ct));
        Assert.True(await client.IsReachableAsync(TimeSpan.FromSeconds(2), Ct));
        await client.ReadSnapshotAsync(null, Ct);

        var checks = server.Requests.Where(r => r.IsTokenRequest).Take(2).Select(r => r.Connection).ToList();
        Assert.Equal(2, checks.Distinct().Count());
        Assert.DoesNotContain(checks, readConnections.Contains);
        Assert.DoesNotContain(server.Requests, r => readConnections.Contains(r.Connection));
    }

    [Fact]
    public async Task IsReachable_ServerGone_FalseWithoutThrowing()
    {
        var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        using var client = Client(server, out _);
        await client.ReadSnapshotAsync(null, Ct);
        await server.DisposeAsync();

        Assert.False(await client.IsReachableAsync(TimeSpan.FromSeconds(2), Ct));
    }

    [Fact]
    public async Task IsReachable_ServerHangs_FalseWithinTheTimeout()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        using var client = Client(server, out _);
        await client.ReadSnapshotAsync(null, Ct);
        server.Delay = TimeSpan.FromSeconds(30);

        var started = TimeProvider.System.GetTimestamp();
        var reachable = await client.IsReachableAsync(TimeSpan.FromMilliseconds(500), Ct);

        Assert.False(reachable);
        // The server hangs for 30 s: anything well under that proves the 500 ms bound held (slack for a loaded CI machine).
        Assert.InRange(TimeProvider.System.GetElapsedTime(started), TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task IsReachable_ImdsDisabled_False()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        server.Disabled = true;
        using var client = Client(server, out _);

        Assert.False(await client.IsReachableAsync(TimeSpan.FromSeconds(2), Ct));
    }

    [Fact]
    public async Task IsReachable_CallerCancels_Throws()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        server.Delay = TimeSpan.FromSeconds(30);
        using var client = Client(server, out _);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.IsReachableAsync(TimeSpan.FromSeconds(10), cts.Token));
    }
}
