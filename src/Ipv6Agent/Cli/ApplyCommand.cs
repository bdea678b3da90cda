using Ipv6Agent.Configuration;
using Ipv6Agent.Hosting;
using Ipv6Agent.Logging;
using Ipv6Agent.Reconciling;
using Ipv6Agent.Reporting;
using Microsoft.Extensions.DependencyInjection;
using Serilog;

namespace Ipv6Agent.Cli;

/// <summary><c>apply [--dry-run] [--json]</c>: one pass, its report on stdout, its exit code per the contract.</summary>
internal static class ApplyCommand
{
    public static async Task<int> ExecuteAsync(CommandLine command)
    {
        if (CliConfiguration.Load(command) is not { } options) return ExitCodes.InvalidConfiguration;

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        var services = new ServiceCollection();
        services.AddSerilog(AgentLogging.CreateSerilog(), dispose: true);
        services.AddAgent(options);
        await using var provider = services.BuildServiceProvider();
        var report = await provider.GetRequiredService<Reconciler>().ReconcileAsync(command.DryRun, cancel.Token);

        if (command.Json)
            Console.Out.WriteLine(ReportJson.Serialize(report));
        else
            Console.Out.Write(ReportPrinter.Summary(report, DateTimeOffset.UtcNow) + (command.DryRun ? ReportPrinter.Diffs(report) : ""));
        return report.ExitCode;
    }
}
