using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Ipv6Agent.Reporting;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Imds;

/// <summary>
/// The HTTP side of IMDSv2: picks the endpoint that answers, keeps one session token, retries transient failures
/// within a bounded time, and renews the token once when IMDS refuses it. Returns bodies; knows nothing of their meaning.
/// </summary>
internal sealed class ImdsConnection : IDisposable
{
    private readonly IReadOnlyList<Uri> _candidates;
    private readonly TimeProvider _time;

    // Waits (deadlines, backoff, the retry budget) are wall-clock: sockets do not follow a test's fake clock, and a
    // fake clock nobody advances would turn a retry into a hang. Only the token's lifetime follows the injected clock.
    private readonly TimeProvider _wall = TimeProvider.System;
    private readonly ILogger _logger;
    private readonly ImdsRetryPolicy _policy;
    private readonly bool _ownHandler;
    private HttpClient _http;
    private readonly SemaphoreSlim _tokenLock = new(1, 1);
    private volatile ImdsToken? _token;
    private volatile Uri? _endpoint;

    public ImdsConnection(IReadOnlyList<Uri> candidates, TimeProvider time, ILogger logger, HttpMessageHandler? handler, ImdsRetryPolicy policy)
    {
        if (candidates.Count == 0) throw new ArgumentException("At least one IMDS endpoint is needed.", nameof(candidates));
        _candidates = candidates;
        _time = time;
        _logger = logger;
        _policy = policy;
        _ownHandler = handler is null;
        _http = NewClient(handler ?? CreateHandler(policy), _ownHandler);
    }

    private static HttpClient NewClient(HttpMessageHandler handler, bool disposeHandler) => new(handler, disposeHandler)
    {
        // Each try has its own deadline (via the TimeProvider); HttpClient's own timeout would only get in the way.
        Timeout = Timeout.InfiniteTimeSpan,
        MaxResponseContentBufferSize = ImdsAnswer.MaxBodyBytes,
    };

    /// <summary>
    /// Drops the kept-alive connections. A connection keeps the source address it was opened with: after <c>netplan apply</c>
    /// that may be an address the host no longer has, or the link-local one the kernel picked while the new addresses were
    /// still in duplicate address detection. Not safe while a request is in flight; passes do not overlap.
    /// </summary>
    private void ResetConnections()
    {
        if (!_ownHandler) return;
        var old = _http;
        _http = NewClient(CreateHandler(_policy), disposeHandler: true);
        old.Dispose();
    }

    /// <summary>The endpoint that answered first; kept for this connection's lifetime.</summary>
    public Uri? Endpoint => _endpoint;

    /// <summary>Makes sure a fresh token exists, so that reads issued together share it.</summary>
    public Task EnsureTokenAsync(CancellationToken ct) => GetTokenAsync(staleToken: null, ct);

    /// <summary>The body of <c>/latest/meta-data/{key}</c>, or <c>null</c> for 404. Anything else that is not 200 throws.</summary>
    public async Task<string?> GetAsync(string key, CancellationToken ct)
    {
        var path = ImdsPaths.MetaDataRoot + key;
        var token = await GetTokenAsync(null, ct).ConfigureAwait(false);
        var (endpoint, reply) = await GetWithRetriesAsync(path, token, ct).ConfigureAwait(false);
        if (reply.Status == 401)
        {
            ImdsLog.TokenRejected(_logger, path);
            token = await GetTokenAsync(token.Value, ct).ConfigureAwait(false);
            (endpoint, reply) = await GetWithRetriesAsync(path, token, ct).ConfigureAwait(false);
            if (reply.Status == 401) throw new ImdsException(ImdsMessages.TokenRefusedTwice(path, endpoint));
        }
        return reply.Status switch
        {
            200 => reply.Body,
            404 => null,
            _ => throw new ImdsException(ImdsMessages.Refused("GET", path, endpoint, reply.Describe())),
        };
    }

    /// <summary>
    /// Whether IMDS still hands out a fresh token within <paramref name="timeout"/>: at the endpoint in use, or at any
    /// candidate if none was chosen yet. One try each on a fresh connection, no retries; network errors are <c>false</c>, never thrown.
    /// </summary>
    public async Task<bool> CanGetTokenAsync(TimeSpan timeout, CancellationToken ct)
    {
        // The question is whether the host reaches IMDS as it is addressed now: a pooled connection would answer for the
        // addresses it was opened with.
        ResetConnections();
        var endpoints = _endpoint is { } known ? [known] : _candidates;
        var start = _wall.GetTimestamp();
        foreach (var endpoint in endpoints)
        {
            var remaining = timeout - _wall.GetElapsedTime(start);
            if (remaining <= TimeSpan.Zero) break;
            var reply = await SendOnceAsync(TokenRequest(endpoint), remaining, ct).ConfigureAwait(false);
            if (reply.Status == 200 && !reply.Malformed && ImdsAnswer.TokenProblem(reply.Body.Trim()) is null) return true;
            ImdsLog.CandidateFailed(_logger, endpoint, reply.Describe());
        }
        return false;
    }

    private async Task<ImdsToken> GetTokenAsync(string? staleToken, CancellationToken ct)
    {
        if (_token is { } cached && cached.Value != staleToken && cached.IsFresh(_time.GetUtcNow())) return cached;
        await _tokenLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Another caller may have renewed while this one waited: concurrent 401s lead to one PUT, not one each.
            if (_token is { } current && current.Value != staleToken && current.IsFresh(_time.GetUtcNow())) return current;
            var reason = _token is null ? "first use" : staleToken is not null ? "refused by IMDS" : "about to expire";
            var token = await RequestTokenAsync(reason, ct).ConfigureAwait(false);
            _token = token;
            return token;
        }
        finally
        {
            _tokenLock.Release();
        }
    }

    private async Task<ImdsToken> RequestTokenAsync(string reason, CancellationToken ct)
    {
        var endpoints = _endpoint is { } known ? [known] : _candidates;
        var outcome = await SendWithRetriesAsync("PUT", ImdsPaths.TokenPath, endpoints, TokenRequest, ct).ConfigureAwait(false);
        var (endpoint, reply) = (outcome.Endpoint, outcome.Reply);
        if (reply.IsTransient)
            throw new ImdsException(ImdsMessages.Unreachable(endpoints, outcome.Attempts, outcome.Elapsed, outcome.LastError));
        if (reply.Status == 403) throw new ImdsException(ImdsMessages.Disabled(endpoint));
        var value = reply.Body.Trim();
        if (reply.Status != 200 || value.Length == 0 || reply.Malformed)
            throw new ImdsException(ImdsMessages.Refused("PUT", ImdsPaths.TokenPath, endpoint, reply.Describe()));
        // Checked before it is kept: a token that cannot be sent back is a failed pass, and the next pass asks again.
        if (ImdsAnswer.TokenProblem(value) is { } problem)
            throw new ImdsException(ImdsMessages.Refused("PUT", ImdsPaths.TokenPath, endpoint, $"HTTP 200 with {problem}"));

        var ttl = ImdsAnswer.TokenLifetime(reply.TtlHeader, _policy.TokenTtl);
        if (_endpoint is null)
        {
            _endpoint = endpoint;
            ImdsLog.EndpointChosen(_logger, endpoint);
        }
        ImdsLog.TokenObtained(_logger, endpoint, ttl.TotalSeconds, reason);
        return ImdsToken.Issued(value, _time.GetUtcNow(), ttl);
    }

    private async Task<(Uri Endpoint, ImdsReply Reply)> GetWithRetriesAsync(string path, ImdsToken token, CancellationToken ct)
    {
        var endpoint = _endpoint ?? throw new InvalidOperationException("A token is obtained before any read.");
        var outcome = await SendWithRetriesAsync("GET", path, [endpoint], e => GetRequest(e, path, token), ct).ConfigureAwait(false);
        if (outcome.Reply.IsTransient)
            throw new ImdsException(ImdsMessages.NotAnswered("GET", path, endpoint, outcome.Attempts, outcome.Elapsed, outcome.LastError));
        if (outcome.Reply.Malformed)
            throw new ImdsException(ImdsMessages.Refused("GET", path, endpoint, outcome.Reply.Describe()));
        return (outcome.Endpoint, outcome.Reply);
    }

    /// <summary>
    /// Tries each endpoint in order, round after round with growing delays, until one gives a non-transient answer
    /// or the policy's tries or time budget run out; the last transient reply is returned then.
    /// </summary>
    private async Task<Outcome> SendWithRetriesAsync(
        string method, string path, IReadOnlyList<Uri> endpoints, Func<Uri, HttpRequestMessage> build, CancellationToken ct)
    {
        var start = _wall.GetTimestamp();
        var last = new Outcome(endpoints[0], ImdsReply.Failed("not tried"), 0, TimeSpan.Zero, "not tried");
        for (var attempt = 1; attempt <= _policy.MaxAttempts; attempt++)
        {
            if (attempt > 1)
            {
                var delay = _policy.DelayBefore(attempt);
                if (_wall.GetElapsedTime(start) + delay >= _policy.TotalBudget) break;
                ImdsLog.Retrying(_logger, method, path, last.LastError, attempt, _policy.MaxAttempts, delay.TotalMilliseconds);
                await Task.Delay(delay, _wall, ct).ConfigureAwait(false);
            }
            foreach (var endpoint in endpoints)
            {
                var remaining = _policy.TotalBudget - _wall.GetElapsedTime(start);
                if (remaining <= TimeSpan.Zero) break;
                var timeout = remaining < _policy.RequestTimeout ? remaining : _policy.RequestTimeout;
                var reply = await SendOnceAsync(build(endpoint), timeout, ct).ConfigureAwait(false);
                var error = endpoints.Count > 1 ? $"{endpoint}: {reply.Describe()}" : reply.Describe();
                last = new Outcome(endpoint, reply, attempt, _wall.GetElapsedTime(start), error);
                if (!reply.IsTransient) return last;
                if (endpoints.Count > 1) ImdsLog.CandidateFailed(_logger, endpoint, reply.Describe());
            }
        }
        return last with { Elapsed = _wall.GetElapsedTime(start) };
    }

    private async Task<ImdsReply> SendOnceAsync(HttpRequestMessage request, TimeSpan timeout, CancellationToken ct)
    {
        using var _ = request;
        using var deadline = new CancellationTokenSource(timeout, _wall);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        var started = Stopwatch.GetTimestamp();
        try
        {
            // Headers first, then a bounded read under the same deadline: a huge or slow-drip body costs at most the
            // request's time and 64 KiB, never the whole answer in memory.
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var bytes = await ImdsAnswer.ReadBoundedAsync(response.Content, linked.Token).ConfigureAwait(false);
            ImdsLog.Read(_logger, request.Method.Method, request.RequestUri!.AbsolutePath, status, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (bytes is null) return ImdsReply.Refused(status, $"an answer larger than {ImdsAnswer.MaxBodyBytes / 1024} KiB");
            var ttl = response.Headers.TryGetValues(ImdsPaths.TokenTtlHeader, out var values) ? values.FirstOrDefault() : null;
            if (status != 200) return new ImdsReply(status, ImdsAnswer.Lenient(bytes), ttl, null);
            return ImdsAnswer.Text(bytes, out var why) is { } body
                ? new ImdsReply(status, body, ttl, null)
                : ImdsReply.Refused(status, why!);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return ImdsReply.Failed($"no answer within {timeout.TotalSeconds:0.0} s");
        }
        catch (HttpRequestException ex)
        {
            return ImdsReply.Failed(Describe(ex));
        }
        catch (IOException ex)
        {
            // The connection broke while the body was read.
            return ImdsReply.Failed(SafeText.OneLine(ex.Message));
        }
    }

    private HttpRequestMessage TokenRequest(Uri endpoint)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, new Uri(endpoint, ImdsPaths.TokenPath));
        request.Headers.Add(ImdsPaths.TokenTtlHeader, ((long)_policy.TokenTtl.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        return request;
    }

    private static HttpRequestMessage GetRequest(Uri endpoint, string path, ImdsToken token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(endpoint, path));
        request.Headers.Add(ImdsPaths.TokenHeader, token.Value);
        return request;
    }

    private static string Describe(HttpRequestException ex) =>
        SafeText.OneLine(ex.InnerException is SocketException socket ? $"{socket.SocketErrorCode} ({socket.Message})" : ex.Message);

    private static SocketsHttpHandler CreateHandler(ImdsRetryPolicy policy) => new()
    {
        // A dead endpoint (IPv4 on an IPv6-only instance) must cost about a second, not the OS default of minutes.
        ConnectTimeout = policy.ConnectTimeout,
        // IMDS is link-local: a proxy from the environment would be wrong, and IMDS refuses proxied requests anyway.
        UseProxy = false,
        AllowAutoRedirect = false,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
    };

    public void Dispose()
    {
        _http.Dispose();
        _tokenLock.Dispose();
    }

    private sealed record Outcome(Uri Endpoint, ImdsReply Reply, int Attempts, TimeSpan Elapsed, string LastError);
}
