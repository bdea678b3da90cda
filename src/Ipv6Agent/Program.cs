using Ipv6Agent.Cli;
using Ipv6Agent.Reporting;

try
{
    var command = CommandLine.Parse(args);
    return command.Verb switch
    {
        Verb.Help => Print(CommandLine.Usage),
        Verb.Version => Print(AgentVersion.Text),
        Verb.Status => StatusCommand.Execute(command),
        Verb.Apply => await ApplyCommand.ExecuteAsync(command),
        _ => await RunCommand.ExecuteAsync(command, args),
    };
}
catch (UsageException e)
{
    return Write(Console.Error, $"ipv6-agent: {e.Message}\n\n{CommandLine.Usage}", ExitCodes.Usage);
}

static int Print(string text)
{
    Stdout.Write(text + "\n");
    return ExitCodes.Ok;
}

static int Write(TextWriter writer, string text, int exitCode)
{
    writer.WriteLine(text);
    return exitCode;
}
