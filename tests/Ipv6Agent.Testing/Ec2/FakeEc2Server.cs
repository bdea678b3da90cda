using System.Collections.Concurrent;
using System.Net;
using System.Security;
using System.Text;
using Ipv6Agent.Addressing;
using Ipv6Agent.Testing.Imds;
using Ipv6Agent.Testing.Http;
using Microsoft.AspNetCore.Http;

namespace Ipv6Agent.Testing.Ec2;

/// <summary>What the fake EC2 does wrong, switched at runtime.</summary>
public enum FakeEc2Fault
{
    None,

    /// <summary>The role has no policy: every action is <c>UnauthorizedOperation</c> (HTTP 403).</summary>
    UnauthorizedOperation,

    /// <summary>AssignIpv6Addresses is <c>PrefixLimitExceeded</c> (the ENI is at its instance type's limit).</summary>
    PrefixLimitExceeded,

    /// <summary>The next two requests are <c>RequestLimitExceeded</c> (HTTP 503), then all is well.</summary>
    ThrottleTwice,

    /// <summary>AssignIpv6Addresses is <c>InternalError</c> (HTTP 500) after granting: EC2 acted, and its answer was lost.</summary>
    AssignInternalError,

    /// <summary>AssignIpv6Addresses answers nothing for 30 s (and grants nothing if the caller gave up).</summary>
    Hang,
}

/// <summary>
/// A fake of EC2's Query API (Version 2016-11-15) for what <c>provision: prefix</c> calls: <c>DescribeNetworkInterfaces</c>
/// and <c>AssignIpv6Addresses</c> with <c>Ipv6PrefixCount</c>. It checks every request's SigV4 signature against the
/// credentials the fake IMDS hands out (<c>iam/security-credentials/ROLE</c>) and the session token with them; answers are
/// EC2's XML, errors EC2's <c>Response/Errors/Error</c> with Code, Message and RequestID. A granted /80 comes from the
/// ENI's subnet; EC2 lists it at once, IMDS after <see cref="ImdsDelay"/>, as EC2's IMDS lags its API.
/// </summary>
public sealed class FakeEc2Server : IAsyncDisposable
{
    public const string Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

    private readonly FakeImdsServer _imds;
    private readonly ConcurrentQueue<FakeEc2Request> _requests = new();
    private readonly ConcurrentDictionary<string, List<string>> _granted = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private LocalHttpServer? _http;
    private volatile FakeEc2Fault _fault;
    private int _throttled;
    private int _nextPrefix;

    private FakeEc2Server(FakeImdsServer imds) => _imds = imds;

    public Uri Endpoint => _http!.Endpoints[0];

    /// <summary>How long after a grant the fake IMDS lists the prefix.</summary>
    public TimeSpan ImdsDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan HangFor { get; set; } = TimeSpan.FromSeconds(30);

    public FakeEc2Fault Fault
    {
        get => _fault;
        set
        {
            _fault = value;
            Interlocked.Exchange(ref _throttled, 0);
        }
    }

    /// <summary>Called when a grant reaches IMDS (the testbed routes the prefix to the instance then).</summary>
    public Func<string, IPNetwork, Task>? OnGranted { get; set; }

    /// <summary>Asked for the fault before each request when set (the testbed reads a file), instead of <see cref="Fault"/>.</summary>
    public Func<FakeEc2Fault>? FaultSource { get; set; }

    /// <summary>Called with every request once answered (the testbed logs them for the tests in the other process).</summary>
    public Action<FakeEc2Request>? Logged { get; set; }

    /// <summary>Every request answered, in order.</summary>
    public IReadOnlyList<FakeEc2Request> Requests => [.. _requests];

    public static async Task<FakeEc2Server> StartAsync(FakeImdsServer imds, string url = "http://127.0.0.1:0")
    {
        var server = new FakeEc2Server(imds);
        server._http = await LocalHttpServer.StartAsync(server.HandleAsync, url).ConfigureAwait(false);
        return server;
    }

    private async Task HandleAsync(HttpContext context, CancellationToken ct)
    {
        var request = context.Request;
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, ct).ConfigureAwait(false);
        var bytes = body.ToArray();
        var form = ParseForm(request.Query, bytes);
        var action = form.GetValueOrDefault("Action") ?? "";
        var eni = form.GetValueOrDefault("NetworkInterfaceId") ?? form.GetValueOrDefault("NetworkInterfaceId.1") ?? "";
        var requestId = Guid.NewGuid().ToString();

        (int Status, string Xml) answer;
        try
        {
            answer = await AnswerAsync(request, bytes, form, action, eni, requestId, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Log(new FakeEc2Request(DateTimeOffset.UtcNow, action, eni, 499, "abandoned by the caller"));
            context.Abort();
            return;
        }
        var code = answer.Status == 200 ? null : System.Text.RegularExpressions.Regex.Match(answer.Xml, "<Code>([^<]*)</Code>").Groups[1].Value;
        Log(new FakeEc2Request(DateTimeOffset.UtcNow, action, eni, answer.Status, code));
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = "text/xml;charset=UTF-8";
        await context.Response.WriteAsync(answer.Xml, ct).ConfigureAwait(false);
    }

    private void Log(FakeEc2Request request)
    {
        _requests.Enqueue(request);
        Logged?.Invoke(request);
    }

    private async Task<(int, string)> AnswerAsync(HttpRequest request, byte[] body, Dictionary<string, string> form, string action, string eni, string requestId, CancellationToken ct)
    {
        var signed = new SigV4.Request(request.Method, request.Path.Value ?? "/", request.QueryString.Value?.TrimStart('?') ?? "",
            [.. request.Headers.Select(h => (h.Key, (IReadOnlyList<string>)[.. h.Value.Select(v => v ?? "")]))], body);
        var role = Roles().FirstOrDefault(r => r.AccessKeyId == SigV4.ParseAuthorization(SigV4.Header(signed, "authorization"), out _)?.AccessKeyId);
        if (SigV4.Verify(signed, key => role?.AccessKeyId == key ? role.SecretAccessKey : null, DateTimeOffset.UtcNow, "ec2") is { } why)
            return Error(401, "AuthFailure", why, requestId);
        // Temporary credentials are only valid with their session token.
        if (SigV4.Header(signed, "x-amz-security-token") != role!.Token)
            return Error(401, "AuthFailure", "The security token included in the request is invalid.", requestId);
        if (form.GetValueOrDefault("Version") != "2016-11-15")
            return Error(400, "InvalidParameterValue", $"Version '{form.GetValueOrDefault("Version")}' is not 2016-11-15", requestId);

        var fault = FaultSource?.Invoke() ?? _fault;
        if (fault == FakeEc2Fault.ThrottleTwice && Interlocked.Increment(ref _throttled) <= 2)
            return Error(503, "RequestLimitExceeded", "Request limit exceeded.", requestId);
        if (fault == FakeEc2Fault.UnauthorizedOperation)
            return Error(403, "UnauthorizedOperation",
                $"You are not authorized to perform this operation. User: arn:aws:sts::123456789012:assumed-role/{role.Name}/i-0 is not authorized to perform: ec2:{action} " +
                "because no identity-based policy allows the ec2:" + action + " action.", requestId);

        return action switch
        {
            "DescribeNetworkInterfaces" => Describe(eni, requestId),
            "AssignIpv6Addresses" => await AssignAsync(form, eni, fault, requestId, ct).ConfigureAwait(false),
            _ => Error(400, "InvalidAction", $"The action {action} is not valid for this web service.", requestId),
        };
    }

    private (int, string) Describe(string eniId, string requestId)
    {
        if (FindEni(eniId) is not { } eni) return Error(400, "InvalidNetworkInterfaceID.NotFound", $"The networkInterface ID '{eniId}' does not exist", requestId);
        var prefixes = eni.Ipv6Prefixes.Concat(GrantedTo(eniId)).Distinct();
        var xml = new StringBuilder();
        xml.Append($"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeNetworkInterfacesResponse xmlns=\"{Namespace}\">\n    <requestId>{requestId}</requestId>\n    <networkInterfaceSet>\n        <item>\n");
        xml.Append($"            <networkInterfaceId>{X(eni.InterfaceId)}</networkInterfaceId>\n            <macAddress>{X(eni.Mac)}</macAddress>\n            <status>in-use</status>\n");
        xml.Append("            <ipv6AddressesSet>\n");
        foreach (var a in eni.Ipv6s) xml.Append($"                <item>\n                    <ipv6Address>{X(a)}</ipv6Address>\n                    <isPrimaryIpv6>false</isPrimaryIpv6>\n                </item>\n");
        xml.Append("            </ipv6AddressesSet>\n            <ipv6PrefixSet>\n");
        foreach (var p in prefixes) xml.Append($"                <item>\n                    <ipv6Prefix>{X(p)}</ipv6Prefix>\n                </item>\n");
        xml.Append("            </ipv6PrefixSet>\n        </item>\n    </networkInterfaceSet>\n</DescribeNetworkInterfacesResponse>");
        return (200, xml.ToString());
    }

    private async Task<(int, string)> AssignAsync(Dictionary<string, string> form, string eniId, FakeEc2Fault fault, string requestId, CancellationToken ct)
    {
        if (FindEni(eniId) is not { } eni) return Error(400, "InvalidNetworkInterfaceID.NotFound", $"The networkInterface ID '{eniId}' does not exist", requestId);
        if (form.GetValueOrDefault("Ipv6PrefixCount") != "1")
            return Error(400, "InvalidParameterValue", "This fake grants prefixes only: Ipv6PrefixCount=1", requestId);
        if (fault == FakeEc2Fault.Hang) await Task.Delay(HangFor, ct).ConfigureAwait(false);
        if (fault == FakeEc2Fault.PrefixLimitExceeded)
            return Error(400, "PrefixLimitExceeded", $"The maximum number of IPv6 addresses and prefixes for {eniId} has been reached.", requestId);

        var prefix = NextPrefix(eni);
        lock (_lock) _granted.GetOrAdd(eniId, _ => []).Add(Ipv6.Format(prefix));
        _ = PublishAfterDelayAsync(eniId, prefix);
        if (fault == FakeEc2Fault.AssignInternalError)
            return Error(500, "InternalError", "An internal error has occurred", requestId);
        return (200, $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AssignIpv6AddressesResponse xmlns=\"{Namespace}\">\n    <requestId>{requestId}</requestId>\n" +
                     $"    <assignedIpv6PrefixSet>\n        <item>{Ipv6.Format(prefix)}</item>\n    </assignedIpv6PrefixSet>\n" +
                     $"    <networkInterfaceId>{X(eniId)}</networkInterfaceId>\n</AssignIpv6AddressesResponse>");
    }

    /// <summary>A person unassigns every prefix the fake granted to <paramref name="eniId"/> (EC2 and IMDS at once).</summary>
    public void UnassignGranted(string eniId)
    {
        lock (_lock)
        {
            if (!_granted.TryRemove(eniId, out var gone)) return;
            var options = _imds.Options;
            FakeInstance Update(FakeInstance i) => i with
            {
                Enis = [.. i.Enis.Select(e => e.InterfaceId == eniId ? e with { Ipv6Prefixes = [.. e.Ipv6Prefixes.Where(p => !gone.Contains(p))] } : e)],
            };
            _imds.Options = options with
            {
                Instances = [.. options.Instances.Select(Update)],
                DefaultInstance = options.DefaultInstance is { } d ? Update(d) : null,
            };
        }
    }

    /// <summary>IMDS lags the API: the prefix shows there after <see cref="ImdsDelay"/>.</summary>
    private async Task PublishAfterDelayAsync(string eniId, IPNetwork prefix)
    {
        try
        {
            await Task.Delay(ImdsDelay, _http!.Stopping).ConfigureAwait(false);
            lock (_lock)
            {
                var options = _imds.Options;
                FakeInstance Update(FakeInstance i) => i with
                {
                    Enis = [.. i.Enis.Select(e => e.InterfaceId == eniId ? e with { Ipv6Prefixes = [.. e.Ipv6Prefixes, Ipv6.Format(prefix)] } : e)],
                };
                _imds.Options = options with
                {
                    Instances = [.. options.Instances.Select(Update)],
                    DefaultInstance = options.DefaultInstance is { } d ? Update(d) : null,
                };
            }
            if (OnGranted is { } granted) await granted(eniId, prefix).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The next free /80 of the ENI's subnet, from <c>:8000::/80</c> up (what EC2 picks is its own business).</summary>
    private IPNetwork NextPrefix(FakeEni eni)
    {
        var subnet = IPNetwork.Parse(eni.SubnetIpv6Cidrs[0]);
        var used = AllEnis().SelectMany(e => e.Ipv6Prefixes).Concat(_granted.Values.SelectMany(v => v)).Select(IPNetwork.Parse).ToHashSet();
        while (true)
        {
            var n = (UInt128)(ulong)(0x8000 + Interlocked.Increment(ref _nextPrefix) - 1);
            var candidate = new IPNetwork(Ipv6.Add(subnet.BaseAddress, n << 48), 80);
            if (!used.Contains(candidate)) return candidate;
        }
    }

    private IEnumerable<string> GrantedTo(string eniId)
    {
        lock (_lock) return _granted.TryGetValue(eniId, out var list) ? [.. list] : [];
    }

    private IEnumerable<FakeInstance> Instances() =>
        _imds.Options.Instances.Concat(_imds.Options.DefaultInstance is { } d ? [d] : []);

    private IEnumerable<FakeEni> AllEnis() => Instances().SelectMany(i => i.Enis);

    private IEnumerable<FakeRole> Roles() => Instances().Select(i => i.Role).OfType<FakeRole>();

    private FakeEni? FindEni(string eniId) => AllEnis().FirstOrDefault(e => e.InterfaceId == eniId);

    private static (int, string) Error(int status, string code, string message, string requestId) =>
        (status, $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{X(code)}</Code><Message>{X(message)}</Message></Error></Errors><RequestID>{requestId}</RequestID></Response>");

    private static string X(string text) => SecurityElement.Escape(text);

    private static Dictionary<string, string> ParseForm(IQueryCollection query, byte[] body)
    {
        var form = query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        foreach (var pair in Encoding.UTF8.GetString(body).Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            form[Uri.UnescapeDataString(kv[0].Replace('+', ' '))] = kv.Length > 1 ? Uri.UnescapeDataString(kv[1].Replace('+', ' ')) : "";
        }
        return form;
    }

    public ValueTask DisposeAsync() => _http?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <param name="Code">EC2's error code, or null when it succeeded.</param>
public sealed record FakeEc2Request(DateTimeOffset Time, string Action, string NetworkInterfaceId, int Status, string? Code);
