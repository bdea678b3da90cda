using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Ipv6Agent.Testing.Http;

/// <summary>
/// Kestrel for the testbed's HTTP parts (fake IMDS, fake EC2, the VPC's release server): one handler, the addresses it
/// listens on (with the real port when asked for port 0), and a token that ends with the server, so a delayed or hanging
/// answer never holds up a test's tear-down.
/// </summary>
public sealed class LocalHttpServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;

    private LocalHttpServer()
    {
    }

    public IReadOnlyList<Uri> Endpoints { get; private set; } = [];

    /// <summary>Cancelled when the server stops: for work an answer leaves running after its request.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <param name="handle">Answers a request; its token is cancelled when the caller gives up or the server stops.</param>
    public static async Task<LocalHttpServer> StartAsync(Func<HttpContext, CancellationToken, Task> handle, params string[] urls)
    {
        var server = new LocalHttpServer();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.UseUrls(urls.Length == 0 ? ["http://127.0.0.1:0"] : urls);
        var app = builder.Build();
        app.Run(async context =>
        {
            using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, server._stopping.Token);
            await handle(context, aborted.Token).ConfigureAwait(false);
        });
        await app.StartAsync().ConfigureAwait(false);
        server._app = app;
        server.Endpoints = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a.Replace("//[::]", "//[::1]", StringComparison.Ordinal))).ToList();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_app is { } app)
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await app.StopAsync(grace.Token).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
        _stopping.Dispose();
    }
}
