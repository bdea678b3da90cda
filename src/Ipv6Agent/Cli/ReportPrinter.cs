using System.Globalization;
using System.Text;
using Ipv6Agent.Reporting;

namespace Ipv6Agent.Cli;

/// <summary>The short human form of a report, for a person at the host's terminal.</summary>
internal static class ReportPrinter
{
    // Written with loops and switches rather than LINQ, Enum.ToString and interpolated DateTimeOffsets: each of those
    // JITs generic code at the first call, and this runs once per 'status', where start-up is the whole cost.
    public static string Summary(Report report, DateTimeOffset now)
    {
        var text = new StringBuilder();
        text.Append("ipv6-agent: ").Append(Name(report.Result)).Append(report.DryRun ? " (dry run)" : "")
            .Append(" at ").Append(report.Time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))
            .Append("Z (").Append(Ago(now - report.Time)).Append(")\n");
        if (report.Instance is { } i)
            text.Append("  instance  ").Append(i.Id).Append(" (").Append(i.Region).Append("), ")
                .Append(i.Interface ?? "?").Append(' ').Append(i.Mac).Append(' ').Append(i.Eni).Append('\n');
        if (report.Plan is { } p)
        {
            text.Append("  host      ").Append(p.HostAddresses.Count == 0 ? "(no address)" : string.Join(", ", p.HostAddresses))
                .Append(" via ").Append(p.Gateway).Append('\n');
            text.Append("  docker    ").Append(p.DockerCidr).Append(" (gateway ").Append(p.DockerGateway)
                .Append(", from ").Append(p.Source).Append(")\n");
        }
        var changed = 0;
        foreach (var change in report.Changes)
        {
            if (change.Action == ChangeAction.Unchanged) continue;
            text.Append(changed++ == 0 ? "  changes   " : "\n            ").Append(Name(change.Action)).Append(' ').Append(change.Path);
        }
        text.Append(changed == 0 ? "  changes   none\n" : "\n");
        if (report.Actions.Count > 0)
            text.Append("  actions   ").Append(string.Join(", ", report.Actions)).Append(report.DryRun ? " (would run)" : "").Append('\n');
        for (var index = 0; index < report.Checks.Count; index++)
        {
            var check = report.Checks[index];
            text.Append(index == 0 ? "  checks    " : "            ").Append(check.Ok ? "ok  " : "FAIL")
                .Append(' ').Append(check.Name).Append(": ").Append(check.Detail).Append('\n');
        }
        if (report.Error is { } error)
            text.Append("  error     ").Append(error).Append('\n');
        if (report.Result != ReportResult.Ok && !report.DryRun)
            text.Append("  details   journalctl -u ipv6-agent\n");
        return text.ToString();
    }

    /// <summary>The unified diffs of a dry run, after the summary.</summary>
    public static string Diffs(Report report) =>
        string.Concat(report.Changes.Where(c => !string.IsNullOrEmpty(c.Diff)).Select(c => "\n" + c.Diff));

    private static string Name(ReportResult result) => result switch
    {
        ReportResult.Ok => "ok",
        ReportResult.Degraded => "degraded",
        _ => "failed",
    };

    private static string Name(ChangeAction action) => action switch
    {
        ChangeAction.Create => "create",
        ChangeAction.Update => "update",
        ChangeAction.Unchanged => "unchanged",
        _ => "delete",
    };

    private static string Ago(TimeSpan age) => age.TotalSeconds switch
    {
        < 0 => "just now",
        < 90 => $"{(int)age.TotalSeconds}s ago",
        < 5400 => $"{(int)age.TotalMinutes} min ago",
        < 172800 => $"{(int)age.TotalHours} h ago",
        _ => $"{(int)age.TotalDays} days ago",
    };
}
