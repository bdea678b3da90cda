using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Ipv6Agent.Addressing;
using Ipv6Agent.Configuration;
using Ipv6Agent.Reporting;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Provisioning;

/// <summary>
/// The two EC2 calls <c>provision: prefix</c> makes, over EC2's Query API (version 2016-11-15: a signed form POST, an
/// XML answer), with every service error turned into a sentence a person can act on. One client per provisioning
/// attempt: the credentials are the instance profile's current ones, read through the agent's IMDS client just before.
/// <para>
/// Retries follow the AWS SDKs' standard mode (exponential backoff with full jitter, at most 20 s, four retries) with one
/// difference: <c>AssignIpv6Addresses</c> is not idempotent (it has no client token), so it is retried only when EC2
/// surely did not act on it: throttled, or the connection never opened. After a timeout or a server error it is left to
/// the next pass, which asks EC2 what the ENI has before it requests anything.
/// </para>
/// </summary>
internal sealed partial class Ec2PrefixApi : IDisposable
{
    /// <summary>Per HTTP request (connect, send, answer).</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    public const int MaxRetries = 4;

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(20);

    private const string ApiVersion = "2016-11-15";

    /// <summary>An answer for one ENI is a few KiB; anything near this is not EC2.</summary>
    private const int MaxAnswerBytes = 1 << 20;

    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly string _region;
    private readonly InstanceCredentials _credentials;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>The server's clock minus ours, learned from a refused signature's answer (as the SDKs correct clock skew).</summary>
    private TimeSpan _skew;

    /// <param name="time">The clock signatures are dated by (a test's may be off, as a host's can be).</param>
    public Ec2PrefixApi(Ec2Options options, string region, InstanceCredentials credentials, ILogger? logger = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        if (!IsRegionName(region))
            throw new ProvisioningException($"IMDS names the region '{SafeText.OneLine(region)}', which is not a region name (e.g. eu-central-1).");
        _region = region;
        _credentials = credentials;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        // A VPC interface endpoint or a test's fake is used as is, signed for the instance's region.
        _endpoint = options.Endpoint ?? new Uri("https://" + DualStackHost(region));
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = RequestTimeout,
            AllowAutoRedirect = false,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each attempt has its own deadline
            MaxResponseContentBufferSize = MaxAnswerBytes,
        };
    }

    /// <summary>Where requests go (the dual-stack endpoint unless <c>ec2.endpoint</c> says otherwise).</summary>
    internal Uri ResolvedEndpoint => _endpoint;

    /// <summary>
    /// The region's dual-stack endpoint: the regional one (ec2.REGION.amazonaws.com) has no AAAA record, the dual-stack
    /// one is what an IPv6-only instance reaches. China's regions have their own domain.
    /// </summary>
    internal static string DualStackHost(string region) =>
        region.StartsWith("cn-", StringComparison.Ordinal) ? $"ec2.{region}.api.amazonwebservices.com.cn" : $"ec2.{region}.api.aws";

    /// <summary>The prefixes EC2 lists for <paramref name="eniId"/> now (IMDS may lag by seconds).</summary>
    public async Task<IReadOnlyList<IPNetwork>> DescribePrefixesAsync(string eniId, CancellationToken ct)
    {
        const string action = "DescribeNetworkInterfaces";
        var answer = await CallAsync(action, eniId, [("NetworkInterfaceId.1", eniId)], idempotent: true, ct).ConfigureAwait(false);
        var eni = Children(Child(answer, "networkInterfaceSet"), "item").FirstOrDefault(n => Child(n, "networkInterfaceId")?.Value == eniId)
            ?? throw new ProvisioningException($"EC2 does not list ENI {eniId} (DescribeNetworkInterfaces answered without it).");
        return Prefixes(Children(Child(eni, "ipv6PrefixSet"), "item").Select(i => Child(i, "ipv6Prefix")?.Value), action);
    }

    /// <summary>AssignIpv6Addresses with Ipv6PrefixCount=1: the prefix EC2 delegated.</summary>
    public async Task<IPNetwork> AssignPrefixAsync(string eniId, CancellationToken ct)
    {
        const string action = "AssignIpv6Addresses";
        var answer = await CallAsync(action, eniId, [("NetworkInterfaceId", eniId), ("Ipv6PrefixCount", "1")], idempotent: false, ct).ConfigureAwait(false);
        var granted = Prefixes(Children(Child(answer, "assignedIpv6PrefixSet"), "item").Select(i => i.Value), action);
        return granted.Count > 0
            ? granted[0]
            : throw new ProvisioningException($"EC2 accepted AssignIpv6Addresses for {eniId} but named no prefix in its answer.");
    }

    /// <summary>One action, retried as the class says; the answer's root element, or a <see cref="ProvisioningException"/>.</summary>
    private async Task<XElement> CallAsync(string action, string eniId, (string Name, string Value)[] parameters, bool idempotent, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var retriesLeft = attempt < MaxRetries;
            var started = Stopwatch.GetTimestamp();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(RequestTimeout);
            Failure failure;
            try
            {
                using var request = Sign(action, parameters);
                using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
                var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
                LogAnswer(_logger, action, (int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                var xml = TryParse(body);
                if (response.IsSuccessStatusCode)
                {
                    if (xml?.Root is { } root && root.Name.LocalName == action + "Response") return root;
                    throw new ProvisioningException(
                        $"the answer to {action} for {eniId} is not EC2's (HTTP {(int)response.StatusCode} from {_endpoint.Authority}, " +
                        $"{(xml is null ? "not XML" : $"<{SafeText.OneLine(xml.Root!.Name.LocalName)}>")}); is ec2.endpoint an EC2 endpoint?");
                }
                failure = ErrorOf(response, xml, _time.GetUtcNow() + _skew);
                if (retriesLeft && failure.ServerClockAhead is { } skew && _skew == TimeSpan.Zero)
                {
                    _skew = skew;
                    LogSkew(_logger, action, skew.TotalSeconds);
                    continue;
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                failure = new Failure
                {
                    Sentence = $"EC2 did not answer {action} for {eniId} within {RequestTimeout.TotalSeconds:0} s (endpoint {_endpoint.Authority}); " +
                               $"the next pass asks EC2 what {eniId} has before it requests anything.",
                    Transient = true,
                };
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConfigurationLimitExceeded)
            {
                throw new ProvisioningException(
                    $"the answer to {action} for {eniId} from {_endpoint.Authority} is larger than {MaxAnswerBytes / 1024} KiB, which no EC2 answer for one ENI is; is ec2.endpoint an EC2 endpoint?", e);
            }
            catch (HttpRequestException e)
            {
                failure = new Failure
                {
                    Sentence = $"{action} for {eniId} did not reach EC2: {SafeText.OneLine(e.Message)}",
                    Transient = true,
                    // A connection that never opened carried no request.
                    NotActedOn = e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError,
                };
            }

            var again = failure.Throttled || (failure.Transient && (idempotent || failure.NotActedOn));
            if (!retriesLeft || !again)
                throw new ProvisioningException(failure.Sentence ?? Ec2Errors.Explain(action, eniId, _region, failure.Code, failure.Message));
            var delay = Backoff(attempt);
            LogRetry(_logger, action, failure.Code ?? failure.Sentence!, delay.TotalSeconds, attempt + 1, MaxRetries);
            await Task.Delay(delay, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Standard mode: a random share of 2^attempt seconds, at most <see cref="MaxBackoff"/>.</summary>
    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromSeconds(Random.Shared.NextDouble() * Math.Min(Math.Pow(2, attempt), MaxBackoff.TotalSeconds));

    private HttpRequestMessage Sign(string action, (string Name, string Value)[] parameters)
    {
        var form = new StringBuilder("Action=").Append(action).Append("&Version=").Append(ApiVersion);
        foreach (var (name, value) in parameters) form.Append('&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        var body = Encoding.UTF8.GetBytes(form.ToString());

        var headers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = "application/x-www-form-urlencoded; charset=utf-8",
            ["host"] = _endpoint.IsDefaultPort ? _endpoint.Host : $"{_endpoint.Host}:{_endpoint.Port.ToString(CultureInfo.InvariantCulture)}",
            ["x-amz-date"] = SigV4Signer.AmzDate(_time.GetUtcNow() + _skew),
            ["x-amz-security-token"] = _credentials.Token,
        };
        var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(body) };
        // Sent exactly as signed (no validation may reformat a value).
        foreach (var (name, value) in headers)
        {
            if (name == "content-type") request.Content.Headers.TryAddWithoutValidation(name, value);
            else request.Headers.TryAddWithoutValidation(name, value);
        }
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("ipv6-agent", null));
        request.Headers.TryAddWithoutValidation("Authorization", SigV4Signer.Authorization("POST", _endpoint.AbsolutePath, headers, body,
            _credentials.AccessKeyId, _credentials.SecretAccessKey, _region, "ec2"));
        return request;
    }

    /// <summary>What went wrong, and whether trying again may help.</summary>
    private sealed record Failure
    {
        /// <summary>EC2's error code and message, when it answered with one.</summary>
        public string? Code { get; init; }

        public string? Message { get; init; }

        /// <summary>The whole sentence, when EC2 said nothing (no answer in time, a connection that failed).</summary>
        public string? Sentence { get; init; }

        /// <summary>May succeed later: a server error, a timeout, a failed connection.</summary>
        public bool Transient { get; init; }

        /// <summary>EC2 surely did not act on the request: it was refused before it was processed, or never sent.</summary>
        public bool NotActedOn { get; init; }

        /// <summary>Throttled: EC2 refused the request before acting on it; every action may repeat it.</summary>
        public bool Throttled => Code is not null && ThrottlingCodes.Contains(Code);

        /// <summary>Set when EC2 refused the signature's date and its own clock (the Date header) is minutes from ours.</summary>
        public TimeSpan? ServerClockAhead { get; init; }
    }

    /// <summary>The AWS SDKs' throttling error codes (standard retry mode).</summary>
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    };

    private static readonly HashSet<string> ClockCodes = new(StringComparer.Ordinal)
    {
        "RequestExpired", "AuthFailure", "SignatureDoesNotMatch", "RequestTimeTooSkewed", "InvalidSignatureException",
    };

    /// <summary>EC2's <c>Response/Errors/Error</c> (Code, Message); a body that is not XML (a proxy's page) by its HTTP status.</summary>
    private static Failure ErrorOf(HttpResponseMessage response, XDocument? xml, DateTimeOffset ourNow)
    {
        var status = (int)response.StatusCode;
        var error = xml?.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
        var code = error is null ? null : Child(error, "Code")?.Value;
        TimeSpan? skew = null;
        if (code is not null && ClockCodes.Contains(code) && response.Headers.Date is { } serverNow
            && (serverNow - ourNow).Duration() > TimeSpan.FromMinutes(4))
            skew = serverNow - ourNow;
        return new Failure
        {
            Code = code,
            Message = error is null ? $"HTTP {status} {response.ReasonPhrase}" : Child(error, "Message")?.Value,
            // A server error may come after EC2 acted: only an idempotent action repeats it.
            Transient = status >= 500 || code is "InternalError" or "InternalFailure" or "ServiceUnavailable" or "Unavailable" or "RequestTimeout",
            ServerClockAhead = skew,
        };
    }

    /// <summary>The answer as XML (no DTD, no external entities), or null when it is not XML.</summary>
    private static XDocument? TryParse(byte[] body)
    {
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(body), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            var xml = XDocument.Load(reader);
            return xml.Root is null ? null : xml;
        }
        catch (XmlException)
        {
            return null;
        }
    }

    private static XElement? Child(XElement? parent, string name) => parent?.Elements().FirstOrDefault(e => e.Name.LocalName == name);

    private static IEnumerable<XElement> Children(XElement? parent, string name) =>
        parent?.Elements().Where(e => e.Name.LocalName == name) ?? [];

    private static List<IPNetwork> Prefixes(IEnumerable<string?> texts, string action)
    {
        var prefixes = new List<IPNetwork>();
        foreach (var text in texts)
        {
            if (text is null) continue;
            if (!Ipv6.TryParseNetwork(text.Trim(), out var prefix))
                throw new ProvisioningException($"EC2's {action} answer names '{SafeText.OneLine(text)}', which is not an IPv6 prefix.");
            prefixes.Add(prefix);
        }
        return prefixes;
    }

    /// <summary>Lower-case letters, digits and dashes, as every AWS region name (it becomes part of a host name).</summary>
    private static bool IsRegionName(string region) =>
        region.Length is > 0 and <= 64 && region.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-') && region[0] != '-' && region[^1] != '-';

    [LoggerMessage(Level = LogLevel.Debug, Message = "EC2 {Action} -> {Status} in {Milliseconds:F1} ms")]
    private static partial void LogAnswer(ILogger logger, string action, int status, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "EC2 {Action}: {Why}; trying again in {Seconds:F1} s (retry {Retry} of {Retries})")]
    private static partial void LogRetry(ILogger logger, string action, string why, double seconds, int retry, int retries);

    [LoggerMessage(Level = LogLevel.Warning, Message = "EC2 refused {Action}'s signature date and its clock is {Seconds:F0} s from ours: signing with its time from now on (check the host's clock)")]
    private static partial void LogSkew(ILogger logger, string action, double seconds);

    public void Dispose() => _http.Dispose();
}
