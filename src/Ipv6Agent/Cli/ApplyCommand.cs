using System.Runtime.InteropServices;
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

        // The first Ctrl-C (or SIGTERM) asks the pass to stop between steps: a command that changes the host finishes first,
        // and the pass still ends in a report. A second one ends the process at once; the pass journal makes the next pass
        // undo it, as after a kill.
        using var cancel = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            if (cancel.IsCancellationRequested) return;
            context.Cancel = true;
            Console.Error.WriteLine("<4>Stopping after the current step (a command that changes the host finishes first); " +
                                    "press Ctrl-C again to stop at once");
            // The token's callbacks (and the continuations they complete) run on the thread pool, not here: this is the
            // runtime's signal thread, which also reaps child processes (SIGCHLD), so a continuation that waited on it
            // would wait for a command's exit that could never be seen.
            _ = cancel.CancelAsync();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

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
