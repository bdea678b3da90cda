using System.Net;
using System.Net.Sockets;
using Ipv6Agent.Testing.Imds;
using Microsoft.Extensions.Logging.Testing;

namespace Ipv6Agent.Imds;

internal static class ImdsTestSupport
{
    /// <summary>Short timeouts so failure tests take a second, not ten.</summary>
    public static readonly ImdsRetryPolicy Fast = new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(1),
        RequestTimeout = TimeSpan.FromMilliseconds(400),
        MaxAttempts = 4,
        BaseDelay = TimeSpan.FromMilliseconds(20),
        MaxDelay = TimeSpan.FromMilliseconds(100),
        TotalBudget = TimeSpan.FromSeconds(3),
    };

    public static ImdsClient Client(
        FakeImdsServer server, out FakeLogger<ImdsClient> logger, TimeProvider? time = null, ImdsRetryPolicy? policy = null) =>
        Client([server.Endpoint], out logger, time, policy);

    public static ImdsClient Client(
        IReadOnlyList<Uri> candidates, out FakeLogger<ImdsClient> logger, TimeProvider? time = null, ImdsRetryPolicy? policy = null)
    {
        logger = new FakeLogger<ImdsClient>();
        return new ImdsClient(candidates, time ?? TimeProvider.System, logger, policy: policy ?? Fast);
    }

    /// <summary>A loopback port nothing listens on: connecting is refused at once.</summary>
    public static Uri ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }

    public static int Count(this FakeImdsServer server, string method, string? pathEnd = null) =>
        server.Requests.Count(r => r.Method == method && (pathEnd is null || r.Path.EndsWith(pathEnd, StringComparison.Ordinal)));

    public static int CountStatus(this FakeImdsServer server, int status) => server.Requests.Count(r => r.Status == status);
}
