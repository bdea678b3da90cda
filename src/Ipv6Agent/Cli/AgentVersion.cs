using System.Reflection;

namespace Ipv6Agent.Cli;

/// <summary>The version stamped at build time (<c>-p:Version=</c> from <c>git describe</c>).</summary>
internal static class AgentVersion
{
    public static string Text { get; } =
        typeof(AgentVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
