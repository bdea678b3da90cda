using System.Globalization;
using System.Text;
using Ipv6Agent.Reporting;

namespace Ipv6Agent.Cli;

/// <summary>
/// The short human form of a report, for a person at the host's terminal. Every value is printed through
/// <see cref="SafeText"/> (one line, no escape sequence obeyed): reports quote IMDS answers and host files, and the
/// status file is read back from disk. The JSON form is escaped by its serializer instead and stays exact.
/// </summary>
internal static class ReportPrinter
{
    public static string Summary(Report report, DateTimeOffset now)
    {
        var text = new StringBuilder();
        text.Append("ipv6-agent: ").Append(Name(report.Result)).Append(report.DryRun ? " (dry run)" : "")
            .Append(" at ").Append(report.Time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))
            .Append("Z (").Append(Ago(now - report.Time)).Append(")\n");
        if (report.Instance is { } i)
            text.Append("  instance  ").Append(Safe(i.Id)).Append(" (").Append(Safe(i.Region)).Append("), ")
                .Append(Safe(i.Interface ?? "?")).Append(' ').Append(Safe(i.Mac)).Append(' ').Append(Safe(i.Eni)).Append('\n');
        if (report.Plan is { } p)
        {
            text.Append("  host      ").Append(p.HostAddresses.Count == 0 ? "(no address)" : Safe(string.Join(", ", p.HostAddresses)))
                .Append(" via ").Append(Safe(p.Gateway)).Append('\n');
            text.Append("  docker    ").Append(Safe(p.DockerCidr)).Append(" (gateway ").Append(Safe(p.DockerGateway))
                .Append(", from ").Append(Safe(p.Source)).Append(")\n");
        }
        var changed = 0;
        foreach (var change in report.Changes)
        {
            if (change.Action == ChangeAction.Unchanged) continue;
            text.Append(changed++ == 0 ? "  changes   " : "\n            ").Append(Name(change.Action)).Append(' ').Append(Safe(change.Path));
        }
        text.Append(changed == 0 ? "  changes   none\n" : "\n");
        if (report.Actions.Count > 0)
            text.Append("  actions   ").Append(Safe(string.Join(", ", report.Actions))).Append(report.DryRun ? " (would run)" : "").Append('\n');
        for (var index = 0; index < report.Checks.Count; index++)
        {
            var check = report.Checks[index];
            text.Append(index == 0 ? "  checks    " : "            ").Append(check.Ok ? "ok  " : "FAIL")
                .Append(' ').Append(Safe(check.Name)).Append(": ").Append(Safe(check.Detail)).Append('\n');
        }
        if (report.Error is { } error)
            text.Append("  error     ").Append(Safe(error)).Append('\n');
        if (report.Result != ReportResult.Ok && !report.DryRun)
            text.Append("  details   journalctl -u ipv6-agent\n");
        return text.ToString();
    }

    /// <summary>The unified diffs of a dry run, after the summary.</summary>
    /// <remarks>A diff keeps its lines and tabs; any other control character in a file's text is shown escaped.</remarks>
    public static string Diffs(Report report) =>
        string.Concat(report.Changes.Where(c => !string.IsNullOrEmpty(c.Diff)).Select(c => "\n" + SafeText.Lines(c.Diff)));

    private static string Safe(string? text) => SafeText.OneLine(text);

    // The names the report itself uses: one spelling, in Report's attributes.
    private static string Name(ReportResult result) => ReportJson.Name(result);

    private static string Name(ChangeAction action) => ReportJson.Name(action);

    private static string Ago(TimeSpan age) => age.TotalSeconds switch
    {
        < 0 => "just now",
        < 90 => $"{(int)age.TotalSeconds}s ago",
        < 5400 => $"{(int)age.TotalMinutes} min ago",
        < 172800 => $"{(int)age.TotalHours} h ago",
        _ => $"{(int)age.TotalDays} days ago",
    };
}
