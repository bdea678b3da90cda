using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Ipv6Agent.Testing.Http;
using Microsoft.AspNetCore.Http;

namespace Ipv6Agent.Testing.Imds;

/// <summary>
/// A real HTTP server (Kestrel) that speaks IMDSv2 like EC2: token PUT first, every GET with the token, 401 without,
/// values formatted as EC2 formats them. Instances are chosen by the caller's source address. Faults can be switched
/// on at runtime from any thread.
/// </summary>
public sealed partial class FakeImdsServer : IAsyncDisposable
{
    public const string TokenPath = "/latest/api/token";
    public const string MetaDataPath = "/latest/meta-data/";
    public const string DynamicPath = "/latest/dynamic/";
    public const string UserDataPath = "/latest/user-data";
    public const string TokenHeader = "X-aws-ec2-metadata-token";
    public const string TokenTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";

    /// <summary>IMDS accepts token lifetimes from one second to six hours.</summary>
    public const int MaxTokenTtlSeconds = 21600;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FakeResponse> _overrides = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<FakeImdsRequest> _requests = new();
    private readonly Lock _failLock = new();
    private volatile Data _data;
    private LocalHttpServer? _http;
    private volatile bool _disabled;
    private volatile FakeResponse? _tokenAnswer;
    private long _delayTicks;
    private int _failRemaining;
    private int _failStatus;

    private FakeImdsServer(FakeImdsOptions options) => _data = Data.Build(options);

    /// <summary>The first address the server listens on (with the real port when started on port 0).</summary>
    public Uri Endpoint => Endpoints[0];

    public IReadOnlyList<Uri> Endpoints => _http?.Endpoints ?? [];

    /// <summary>What is served; replace it to change the instances while the server runs.</summary>
    public FakeImdsOptions Options
    {
        get => _data.Options;
        set => _data = Data.Build(value);
    }

    /// <summary>IMDS turned off for the instance (<c>--http-endpoint disabled</c>): 403 to everything.</summary>
    public bool Disabled
    {
        get => _disabled;
        set => _disabled = value;
    }

    /// <summary>Waited before every answer, to simulate a slow or hanging IMDS.</summary>
    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, value.Ticks);
    }

    /// <summary>Every request answered so far, in order.</summary>
    public IReadOnlyList<FakeImdsRequest> Requests => [.. _requests];

    public void ClearRequests() => _requests.Clear();

    /// <summary>The next <paramref name="count"/> requests, token PUTs included, get <paramref name="status"/>.</summary>
    public void FailNext(int count, int status = 500)
    {
        lock (_failLock)
        {
            _failRemaining = count;
            _failStatus = status;
        }
    }

    /// <summary>Forgets every token, as if they had all expired: the next GET with one gets 401.</summary>
    public void ExpireAllTokens() => _tokens.Clear();

    /// <summary>
    /// Answers <paramref name="key"/> with <paramref name="response"/> instead of the real value. A key with a slash is a
    /// path under <c>/latest/meta-data/</c>; a key without one (<c>ipv6s</c>) matches that last segment under any ENI.
    /// </summary>
    public void Override(string key, FakeResponse response) => _overrides[key] = response;

    public void ClearOverrides() => _overrides.Clear();

    /// <summary>
    /// When set, every token PUT gets this answer instead of a fresh token. A 200's body becomes a token the fake then
    /// accepts (for the lifetime the request asked for), whatever the answer's own headers claim.
    /// </summary>
    public FakeResponse? TokenAnswer
    {
        get => _tokenAnswer;
        set => _tokenAnswer = value;
    }

    public static async Task<FakeImdsServer> StartAsync(FakeImdsOptions options, params string[] urls)
    {
        var server = new FakeImdsServer(options);
        server._http = await LocalHttpServer.StartAsync(server.HandleAsync, urls).ConfigureAwait(false);
        return server;
    }

    /// <summary>Runs a fake IMDS until <paramref name="ct"/> is cancelled: the entry point for hosting it in another process.</summary>
    public static async Task RunAsync(FakeImdsOptions options, string[] urls, CancellationToken ct)
    {
        await using var server = await StartAsync(options, urls).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task HandleAsync(HttpContext context, CancellationToken ct)
    {
        var request = context.Request;
        var source = Normalize(context.Connection.RemoteIpAddress);
        var hadToken = request.Headers.ContainsKey(TokenHeader);
        FakeResponse answer;
        var headers = new Dictionary<string, string>();
        try
        {
            var delay = Delay;
            if (delay > TimeSpan.Zero) await Task.Delay(delay, ct).ConfigureAwait(false);
            answer = Answer(request, source, headers);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The caller gave up, or the server is stopping: a hanging answer must not hold up shutdown.
            context.Abort();
            Log(request, hadToken, source, 499);
            return;
        }
        catch (Exception ex)
        {
            // A bug in the fake must show up in the test's failure message, not as a bare 500 from Kestrel.
            answer = new FakeResponse(500, $"fake IMDS failed: {ex}");
        }

        Log(request, hadToken, source, answer.Status);
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = "text/plain";
        foreach (var (name, value) in headers) context.Response.Headers[name] = value;
        foreach (var (name, value) in answer.Headers) context.Response.Headers[name] = value;
        var body = answer.Bytes ?? System.Text.Encoding.UTF8.GetBytes(answer.Body);
        try
        {
            if (answer.Drip <= TimeSpan.Zero)
            {
                context.Response.ContentLength = body.Length;
                await context.Response.Body.WriteAsync(body, ct).ConfigureAwait(false);
                return;
            }
            for (var i = 0; i < body.Length; i++)
            {
                await Task.Delay(answer.Drip, ct).ConfigureAwait(false);
                await context.Response.Body.WriteAsync(body.Slice(i, 1), ct).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            context.Abort();
        }
    }

    private FakeResponse Answer(HttpRequest request, IPAddress? source, Dictionary<string, string> headers)
    {
        if (TakeFailure() is { } status) return new FakeResponse(status, $"fake IMDS: injected failure {status}");
        if (_disabled) return new FakeResponse(403, "Forbidden");

        var path = request.Path.Value ?? "/";
        if (path == TokenPath) return IssueToken(request, source, headers);
        // cloud-init asks dated API versions (/2021-03-23/meta-data/...) besides latest: one tree answers all.
        path = DatedVersion().Replace(path, "/latest/");
        var dynamicOrUserData = (path + "/").StartsWith(DynamicPath, StringComparison.Ordinal) || path == UserDataPath;
        if (!(path + "/").StartsWith(MetaDataPath, StringComparison.Ordinal) && !dynamicOrUserData) return FakeResponse.NotFound;
        if (request.Method != HttpMethods.Get) return new FakeResponse(405, "Method Not Allowed");

        // IMDSv2 only (http-tokens required): no token, or an expired one, is 401.
        var token = request.Headers[TokenHeader].ToString();
        var imdsV1 = token.Length == 0 && _data.Options.TokensOptional;
        if (!imdsV1 && (token.Length == 0 || !_tokens.TryGetValue(token, out var expires) || Now >= expires))
            return new FakeResponse(401, "Unauthorized");

        var metadata = _data.Resolve(source);
        if (metadata is null) return NoInstance(source);
        if (path == UserDataPath)
            return metadata.Instance.UserData is { } userData ? FakeResponse.Ok(userData) : FakeResponse.NotFound;
        if (dynamicOrUserData)
            return metadata.LookupDynamic(path.Length <= DynamicPath.Length ? "" : path[DynamicPath.Length..]) is { } doc ? FakeResponse.Ok(doc) : FakeResponse.NotFound;
        var relative = path.Length <= MetaDataPath.Length ? "" : path[MetaDataPath.Length..];
        if (FindOverride(relative) is { } forced) return forced;
        return metadata.Lookup(relative) is { } body ? FakeResponse.Ok(body) : FakeResponse.NotFound;
    }

    private FakeResponse IssueToken(HttpRequest request, IPAddress? source, Dictionary<string, string> headers)
    {
        if (request.Method != HttpMethods.Put) return new FakeResponse(405, "Method Not Allowed");
        // IMDS refuses tokens for requests that went through a proxy.
        if (request.Headers.ContainsKey("X-Forwarded-For")) return new FakeResponse(403, "Forbidden");
        if (!int.TryParse(request.Headers[TokenTtlHeader].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var ttl)
            || ttl < 1 || ttl > MaxTokenTtlSeconds)
            return new FakeResponse(400, "Bad Request");
        if (_data.Resolve(source) is null) return NoInstance(source);
        if (_tokenAnswer is { } forced)
        {
            if (forced.Status == 200) _tokens[forced.Body] = Now + TimeSpan.FromSeconds(ttl);
            return forced;
        }

        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(42));
        _tokens[token] = Now + TimeSpan.FromSeconds(ttl);
        headers[TokenTtlHeader] = ttl.ToString(CultureInfo.InvariantCulture);
        return FakeResponse.Ok(token);
    }

    private FakeResponse? FindOverride(string relative)
    {
        if (_overrides.IsEmpty) return null;
        if (_overrides.TryGetValue(relative, out var exact) || _overrides.TryGetValue(relative.TrimEnd('/'), out exact)) return exact;
        var segment = relative.TrimEnd('/');
        segment = segment[(segment.LastIndexOf('/') + 1)..];
        return _overrides.TryGetValue(segment, out var bySegment) ? bySegment : null;
    }

    private int? TakeFailure()
    {
        lock (_failLock)
        {
            if (_failRemaining <= 0) return null;
            _failRemaining--;
            return _failStatus;
        }
    }

    private static FakeResponse NoInstance(IPAddress? source) =>
        new(404, $"fake IMDS: no instance answers for source address {source}");

    private DateTimeOffset Now => _data.Options.Time.GetUtcNow();

    private void Log(HttpRequest request, bool hadToken, IPAddress? source, int status) =>
        _requests.Enqueue(new FakeImdsRequest(Now, request.Method, request.Path.Value ?? "/", hadToken, source, status, request.HttpContext.Connection.Id));

    [System.Text.RegularExpressions.GeneratedRegex(@"^/[0-9]{4}-[0-9]{2}-[0-9]{2}/")]
    private static partial System.Text.RegularExpressions.Regex DatedVersion();

    private static IPAddress? Normalize(IPAddress? address) =>
        address is null ? null
        : address.IsIPv4MappedToIPv6 ? address.MapToIPv4()
        // ScopeId throws for IPv4; a link-local caller's scope would make it unequal to the configured source.
        : address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0 ? new IPAddress(address.GetAddressBytes())
        : address;

    public ValueTask DisposeAsync() => _http?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>The options and everything pre-rendered from them, swapped as one reference.</summary>
    private sealed record Data(FakeImdsOptions Options, FakeMetadata? Default, IReadOnlyList<FakeMetadata> Instances)
    {
        public static Data Build(FakeImdsOptions options) =>
            new(options,
                options.DefaultInstance is { } d ? FakeMetadata.Build(d) : null,
                options.Instances.Select(FakeMetadata.Build).ToList());

        public FakeMetadata? Resolve(IPAddress? source) =>
            (source is null ? null : Instances.FirstOrDefault(i => i.Sources.Contains(source))) ?? Default;
    }
}
