using Ipv6Agent.Configuration;
using Ipv6Agent.Hosting;
using Ipv6Agent.Logging;
using Ipv6Agent.Reporting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace Ipv6Agent.Cli;

/// <summary><c>run</c>: the only verb that builds a host (systemd lifetime, sd_notify, the reconcile loop).</summary>
internal static class RunCommand
{
    public static async Task<int> ExecuteAsync(CommandLine command, string[] args)
    {
        AgentOptions options;
        try
        {
            options = ConfigurationLoader.Load(command.ConfigPath, EnvironmentVariables.Snapshot());
        }
        catch (ConfigurationException e)
        {
            Console.Error.WriteLine($"<3>ipv6-agent: invalid configuration: {e.Message}");
            return ExitCodes.InvalidConfiguration;
        }

        var serilog = AgentLogging.CreateSerilog();
        // No default configuration sources: the agent's only configuration is config.yaml, validated above.
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Services.AddSystemd();
        builder.Services.AddSerilog(serilog, dispose: true);
        builder.Services.AddAgent(options);
        builder.Services.AddHostedService<ReconcileWorker>();
        using var host = builder.Build();
        await host.RunAsync();
        return ExitCodes.Ok;
    }
}
