using System.Globalization;
using System.Text;
using Ipv6Agent.Reporting;

namespace Ipv6Agent.Cli;

/// <summary>The short human form of a report, for a person at the host's terminal.</summary>
internal static class ReportPrinter
{
    public static string Summary(Report report, DateTimeOffset now)
    {
        var text = new StringBuilder();
        var result = report.Result.ToString().ToLowerInvariant();
        text.Append(CultureInfo.InvariantCulture, $"ipv6-agent: {result}{(report.DryRun ? " (dry run)" : "")} at {report.Time:yyyy-MM-dd HH:mm:ss}Z ({Ago(now - report.Time)})\n");
        if (report.Instance is { } i)
            text.Append(CultureInfo.InvariantCulture, $"  instance  {i.Id} ({i.Region}), {i.Interface ?? "?"} {i.Mac} {i.Eni}\n");
        if (report.Plan is { } p)
        {
            text.Append(CultureInfo.InvariantCulture, $"  host      {(p.HostAddresses.Count == 0 ? "(no address)" : string.Join(", ", p.HostAddresses))} via {p.Gateway}\n");
            text.Append(CultureInfo.InvariantCulture, $"  docker    {p.DockerCidr} (gateway {p.DockerGateway}, from {p.Source})\n");
        }
        var changed = report.Changes.Where(c => c.Action != ChangeAction.Unchanged).ToList();
        text.Append(changed.Count == 0
            ? "  changes   none\n"
            : "  changes   " + string.Join("\n            ", changed.Select(c => $"{c.Action.ToString().ToLowerInvariant()} {c.Path}")) + "\n");
        if (report.Actions.Count > 0)
            text.Append(CultureInfo.InvariantCulture, $"  actions   {string.Join(", ", report.Actions)}{(report.DryRun ? " (would run)" : "")}\n");
        foreach (var (check, index) in report.Checks.Select((c, n) => (c, n)))
            text.Append(CultureInfo.InvariantCulture, $"{(index == 0 ? "  checks    " : "            ")}{(check.Ok ? "ok  " : "FAIL")} {check.Name}: {check.Detail}\n");
        if (report.Error is { } error)
            text.Append(CultureInfo.InvariantCulture, $"  error     {error}\n");
        if (report.Result != ReportResult.Ok && !report.DryRun)
            text.Append("  details   journalctl -u ipv6-agent\n");
        return text.ToString();
    }

    /// <summary>The unified diffs of a dry run, after the summary.</summary>
    public static string Diffs(Report report) =>
        string.Concat(report.Changes.Where(c => !string.IsNullOrEmpty(c.Diff)).Select(c => "\n" + c.Diff));

    private static string Ago(TimeSpan age) => age.TotalSeconds switch
    {
        < 0 => "just now",
        < 90 => $"{(int)age.TotalSeconds}s ago",
        < 5400 => $"{(int)age.TotalMinutes} min ago",
        < 172800 => $"{(int)age.TotalHours} h ago",
        _ => $"{(int)age.TotalDays} days ago",
    };
}
