using Ipv6Agent.Applying;
using Ipv6Agent.Configuration;
using Ipv6Agent.Engine;
using Ipv6Agent.Firewall;
using Ipv6Agent.Inspecting;
using Ipv6Agent.Imds;
using Ipv6Agent.Reconciling;
using Ipv6Agent.Rendering.Apt;
using Ipv6Agent.Reporting;
using Ipv6Agent.Verifying;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Hosting;

/// <summary>The agent's object graph, shared by <c>apply</c> (a plain provider) and <c>run</c> (the host).</summary>
internal static class AgentServices
{
    public static IServiceCollection AddAgent(this IServiceCollection services, AgentOptions options)
    {
        services.AddLogging();
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new ImdsClient(options.Imds, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ImdsClient>>()));
        services.AddSingleton<DockerVersionReader>();
        services.AddSingleton(sp => new MirrorCheck(options.Apt, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<MirrorCheck>>()));
        services.AddSingleton<CommandRunner>();
        services.AddSingleton(sp => new ConnectivityCheck(new Icmpv6Echo(), sp.GetRequiredService<ILogger<ConnectivityCheck>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<EngineWaiter>();
        services.AddSingleton(sp => new PassJournal(options.Root, sp.GetRequiredService<ILogger<PassJournal>>()));
        services.AddSingleton<HostApplier>();
        services.AddSingleton(sp => new DockerProbe(options.Docker.Endpoint, options.Root, sp.GetRequiredService<ILogger<DockerProbe>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<FirewallSync>();
        services.AddSingleton<FirewallWatcher>();
        services.AddSingleton<StatusStore>();
        services.AddSingleton<Provisioning.PrefixProvisioner>();
        services.AddSingleton<Reconciler>();
        return services;
    }
}
