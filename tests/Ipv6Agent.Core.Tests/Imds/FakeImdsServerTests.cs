using System.Net;
using Ipv6Agent.Testing.Imds;
using Microsoft.Extensions.Time.Testing;

namespace Ipv6Agent.Imds;

/// <summary>The fake IMDS itself: it must refuse what EC2 refuses and format what EC2 formats, or the client tests prove nothing.</summary>
public sealed class FakeImdsServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Get_WithoutToken_Refused401LikeImdsV2Only()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        using var http = new HttpClient();

        var response = await http.GetAsync(new Uri(server.Endpoint, "/latest/meta-data/instance-id"), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var logged = Assert.Single(server.Requests);
        Assert.False(logged.HadToken);
        Assert.Equal(IPAddress.Loopback, logged.Source);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("0")]
    [InlineData("21601")]
    [InlineData("six hours")]
    public async Task TokenPut_BadTtl_Is400(string? ttl)
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));
        using var http = new HttpClient();
        using var put = new HttpRequestMessage(HttpMethod.Put, new Uri(server.Endpoint, "/latest/api/token"));
        if (ttl is not null) put.Headers.Add(FakeImdsServer.TokenTtlHeader, ttl);

        var response = await http.SendAsync(put, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Get_Ipv6s_UncompressedSortedNoTrailingNewline()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));

        var body = await GetAsync(server, "network/interfaces/macs/12:fb:b4:8b:15:f8/ipv6s");

        Assert.Equal(
            "2001:db8:47b:ca03:0:0:0:8\n2001:db8:47b:ca03:0:0:0:9\n2001:db8:47b:ca03:0:0:0:a\n2001:db8:47b:ca03:0:0:0:b\n2001:db8:47b:ca03:0:0:1:1",
            body);
    }

    [Fact]
    public async Task Get_Directories_EndInSlash()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.TwoSubnets));

        Assert.Equal("12:fb:b4:8b:15:f8/\n0e:49:61:0f:c3:11/\n0e:49:61:0f:c3:22/", await GetAsync(server, "network/interfaces/macs/"));
        Assert.Equal(
            "device-number\ninterface-id\nipv6-prefix\nipv6s\nmac\nsubnet-ipv6-cidr-blocks",
            await GetAsync(server, "network/interfaces/macs/0e:49:61:0f:c3:11/"));
        Assert.Equal("12:fb:b4:8b:15:f8", await GetAsync(server, "mac"));
    }

    [Fact]
    public async Task Get_AbsentPrefix_Is404()
    {
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog));

        Assert.Null(await GetAsync(server, "network/interfaces/macs/12:fb:b4:8b:15:f8/ipv6-prefix"));
    }

    [Fact]
    public async Task Instances_ChosenBySourceAddress()
    {
        var other = FakeInstances.Blog with { InstanceId = "i-0000000000000000b", Sources = ["127.0.0.1"] };
        await using var server = await FakeImdsServer.StartAsync(new FakeImdsOptions { Instances = [other], DefaultInstance = FakeInstances.Blog });

        Assert.Equal("i-0000000000000000b", await GetAsync(server, "instance-id"));

        server.Options = new FakeImdsOptions { Instances = [FakeInstances.Blog with { InstanceId = "i-0000000000000000c" }], DefaultInstance = FakeInstances.Blog };
        Assert.Equal("i-0123456789abcdef0", await GetAsync(server, "instance-id"));
    }

    [Fact]
    public async Task TokenPut_UnknownSourceAndNoDefault_404SaysWhy()
    {
        await using var server = await FakeImdsServer.StartAsync(new FakeImdsOptions { Instances = [FakeInstances.Blog] });
        using var http = new HttpClient();
        using var put = new HttpRequestMessage(HttpMethod.Put, new Uri(server.Endpoint, "/latest/api/token"));
        put.Headers.Add(FakeImdsServer.TokenTtlHeader, "60");

        var response = await http.SendAsync(put, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("fake IMDS: no instance answers for source address 127.0.0.1", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Start_BadInstanceData_FailsWithTheValue()
    {
        var bad = FakeInstances.Blog with { Enis = [FakeInstances.Blog.Enis[0] with { Ipv6s = ["2001:db8::zz"] }] };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => FakeImdsServer.StartAsync(FakeImdsOptions.For(bad)));

        Assert.Equal("fake IMDS instance 'i-0123456789abcdef0', ENI 12:fb:b4:8b:15:f8: '2001:db8::zz' is not an IPv6 address.", error.Message);
    }

    [Fact]
    public async Task Token_ExpireAllTokens_NextGetIs401()
    {
        var time = new FakeTimeProvider();
        await using var server = await FakeImdsServer.StartAsync(FakeImdsOptions.For(FakeInstances.Blog) with { Time = time });
        using var http = new HttpClient();
        var token = await TokenAsync(http, server);

        server.ExpireAllTokens();
        using var get = new HttpRequestMessage(HttpMethod.Get, new Uri(server.Endpoint, "/latest/meta-data/mac"));
        get.Headers.Add(FakeImdsServer.TokenHeader, token);

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(get, Ct)).StatusCode);
    }

    [Fact]
    public async Task RunAsync_ServesUntilCancelled()
    {
        var url = ImdsTestSupport.ClosedPort();
        using var stop = new CancellationTokenSource();
        var running = FakeImdsServer.RunAsync(FakeImdsOptions.For(FakeInstances.Blog), [url.ToString()], stop.Token);
        using var client = ImdsTestSupport.Client([url], out _);

        var snapshot = await client.ReadSnapshotAsync(null, Ct);
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal("i-0123456789abcdef0", snapshot.InstanceId);
        Assert.False(await client.IsReachableAsync(TimeSpan.FromSeconds(1), Ct));
    }

    private static async Task<string> TokenAsync(HttpClient http, FakeImdsServer server)
    {
        using var put = new HttpRequestMessage(HttpMethod.Put, new Uri(server.Endpoint, "/latest/api/token"));
        put.Headers.Add(FakeImdsServer.TokenTtlHeader, "21600");
        var response = await http.SendAsync(put, Ct);
        response.EnsureSuccessStatusCode();
        Assert.Equal("21600", response.Headers.GetValues(FakeImdsServer.TokenTtlHeader).Single());
        return await response.Content.ReadAsStringAsync(Ct);
    }

    /// <summary>A GET the way IMDSv2 wants it; <c>null</c> for 404.</summary>
    private static async Task<string?> GetAsync(FakeImdsServer server, string key)
    {
        using var http = new HttpClient();
        var token = await TokenAsync(http, server);
        using var get = new HttpRequestMessage(HttpMethod.Get, new Uri(server.Endpoint, "/latest/meta-data/" + key));
        get.Headers.Add(FakeImdsServer.TokenHeader, token);
        var response = await http.SendAsync(get, Ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(Ct);
    }
}
