using System.Text.Json.Serialization;

namespace Ipv6Agent.Reporting;

/// <summary>The outcome of one pass: what <c>apply --json</c> prints and <c>/run/ipv6-agent/status.json</c> holds (schema 1).</summary>
public sealed record Report
{
    public int Schema { get; init; } = 1;
    [JsonConverter(typeof(UtcSecondsConverter))]
    public required DateTimeOffset Time { get; init; }
    public required ReportResult Result { get; init; }
    public bool DryRun { get; init; }

    /// <summary>A sentence for a person when <see cref="Result"/> is failed.</summary>
    public string? Error { get; init; }

    public InstanceReport? Instance { get; init; }
    public PlanReport? Plan { get; init; }
    public IReadOnlyList<ChangeReport> Changes { get; init; } = [];

    /// <summary>Commands run (or, in a dry run, that would run), by name: <c>netplan-apply</c>, <c>docker-restart</c>.</summary>
    public IReadOnlyList<string> Actions { get; init; } = [];

    public IReadOnlyList<CheckReport> Checks { get; init; } = [];

    /// <summary>Exit code of <c>apply</c> and <c>status</c> for this report.</summary>
    public int ExitCode => Result switch
    {
        ReportResult.Ok => ExitCodes.Ok,
        ReportResult.Degraded => ExitCodes.Degraded,
        _ => ExitCodes.Failed,
    };
}

[JsonConverter(typeof(JsonStringEnumConverter<ReportResult>))]
public enum ReportResult
{
    [JsonStringEnumMemberName("ok")] Ok,
    [JsonStringEnumMemberName("degraded")] Degraded,
    [JsonStringEnumMemberName("failed")] Failed,
}

public sealed record InstanceReport(string Id, string Region, string Mac, string? Interface, string? Eni);

/// <summary>The plan, with every address in RFC 5952 text.</summary>
public sealed record PlanReport(
    string Source,
    IReadOnlyList<string> HostAddresses,
    string Gateway,
    string DockerCidr,
    string DockerGateway);

[JsonConverter(typeof(JsonStringEnumConverter<ChangeAction>))]
public enum ChangeAction
{
    [JsonStringEnumMemberName("create")] Create,
    [JsonStringEnumMemberName("update")] Update,
    [JsonStringEnumMemberName("unchanged")] Unchanged,
    [JsonStringEnumMemberName("delete")] Delete,
}

/// <param name="Path">Host path, without the configured root.</param>
/// <param name="Diff">Unified diff of the change (dry runs; <c>null</c> when unchanged or not a dry run).</param>
public sealed record ChangeReport(
    string Path,
    ChangeAction Action,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Diff = null);

public sealed record CheckReport(string Name, bool Ok, string Detail);
