using Ipv6Agent.Configuration;

namespace Ipv6Agent.Cli;

/// <summary>Loading the configuration the same way for every verb: a bad file is one line on stderr and exit 78.</summary>
internal static class CliConfiguration
{
    /// <summary>The options, or <c>null</c> after telling the person what is wrong.</summary>
    /// <param name="priority">A journald priority prefix (<c>&lt;3&gt;</c>) for the service, which logs to the journal.</param>
    public static AgentOptions? Load(CommandLine command, string priority = "")
    {
        try
        {
            return ConfigurationLoader.Load(command.ConfigPath, EnvironmentVariables.Snapshot());
        }
        catch (ConfigurationException e)
        {
            Console.Error.WriteLine($"{priority}ipv6-agent: invalid configuration: {Reporting.SafeText.OneLine(e.Message)}");
            return null;
        }
    }
}
