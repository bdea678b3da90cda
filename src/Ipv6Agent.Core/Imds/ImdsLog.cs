using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Imds;

internal static partial class ImdsLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "IMDS {Method} {Path} -> {Status} in {ElapsedMs:0.0} ms")]
    public static partial void Read(ILogger logger, string method, string path, int status, double elapsedMs);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Using IMDS at {Endpoint}")]
    public static partial void EndpointChosen(ILogger logger, Uri endpoint);

    [LoggerMessage(EventId = 102, Level = LogLevel.Debug, Message = "IMDS candidate {Endpoint} did not answer: {Error}")]
    public static partial void CandidateFailed(ILogger logger, Uri endpoint, string error);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning,
        Message = "IMDS {Method} {Path} failed ({Error}); try {Attempt} of {MaxAttempts} in {DelayMs:0} ms")]
    public static partial void Retrying(ILogger logger, string method, string path, string error, int attempt, int maxAttempts, double delayMs);

    [LoggerMessage(EventId = 104, Level = LogLevel.Debug, Message = "IMDS token obtained from {Endpoint}, valid for {TtlSeconds} s ({Reason})")]
    public static partial void TokenObtained(ILogger logger, Uri endpoint, double ttlSeconds, string reason);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "IMDS refused the token for {Path} (401); getting a new token and trying once more")]
    public static partial void TokenRejected(ILogger logger, string path);
}
