using Ipv6Agent.Cli;
using Ipv6Agent.Reporting;

try
{
    var command = CommandLine.Parse(args);
    return command.Verb switch
    {
        Verb.Help => Write(Console.Out, CommandLine.Usage, ExitCodes.Ok),
        Verb.Version => Write(Console.Out, AgentVersion.Text, ExitCodes.Ok),
        Verb.Status => StatusCommand.Execute(command),
        Verb.Apply => await ApplyCommand.ExecuteAsync(command),
        _ => await RunCommand.ExecuteAsync(command, args),
    };
}
catch (UsageException e)
{
    return Write(Console.Error, $"ipv6-agent: {e.Message}\n\n{CommandLine.Usage}", ExitCodes.Usage);
}

static int Write(TextWriter writer, string text, int exitCode)
{
    writer.WriteLine(text);
    return exitCode;
}
