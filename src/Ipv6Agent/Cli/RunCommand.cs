using Ipv6Agent.Applying;
using Ipv6Agent.Configuration;
using Ipv6Agent.Hosting;
using Ipv6Agent.Logging;
using Ipv6Agent.Reporting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Serilog;

namespace Ipv6Agent.Cli;

/// <summary><c>run</c>: the only verb that builds a host (systemd lifetime, sd_notify, the reconcile loop).</summary>
internal static class RunCommand
{
    public static async Task<int> ExecuteAsync(CommandLine command, string[] args)
    {
        if (CliConfiguration.Load(command, "<3>") is not { } options) return ExitCodes.InvalidConfiguration;

        var serilog = AgentLogging.CreateSerilog();
        // No default configuration sources: the agent's only configuration is config.yaml, validated above.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Services.AddSystemd();
        // AddSystemd registers the notifier only under systemd; a foreground `run` still needs one (it is a no-op without NOTIFY_SOCKET).
        // Every sd_notify datagram goes through the sanitising sender (the systemd lifetime's READY=1 included).
        builder.Services.Replace(ServiceDescriptor.Singleton<ISystemdNotifier>(new SafeSystemdNotifier(new SystemdNotifier())));
        builder.Services.AddSerilog(serilog, dispose: true);
        builder.Services.AddAgent(options);
        builder.Services.AddHostedService<ReconcileWorker>();
        // A stop waits for the pass to reach the end of its current step, and a command that changes the host (netplan apply)
        // runs to its own timeout first; the unit's TimeoutStopSec is longer still.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = HostApplier.DefaultCommandTimeout + TimeSpan.FromSeconds(30));
        using var host = builder.Build();
        await host.RunAsync();
        return ExitCodes.Ok;
    }
}
