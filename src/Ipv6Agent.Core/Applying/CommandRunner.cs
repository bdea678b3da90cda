using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Applying;

/// <summary>
/// Runs a configured command line (<c>netplan apply</c>, <c>systemctl restart docker</c>) through <c>/bin/sh -c</c>, as an operator
/// would type it. A failing command is a result, never an exception; one that outlives its timeout is killed with all its children.
/// </summary>
internal sealed partial class CommandRunner(ILogger<CommandRunner> logger, TimeProvider time)
{
    public const string Shell = "/bin/sh";

    /// <summary>util-linux's <c>setsid</c> (Essential on Debian and Ubuntu); <c>null</c> on a host without it.</summary>
    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    /// <summary>
    /// Runs a command that changes the host (<c>netplan apply</c>, a Docker restart) to its end or its own timeout: killed half
    /// way it would leave the host between two configurations. So it takes no cancellation token, and it runs in a session of
    /// its own, where a terminal's Ctrl-C (SIGINT to the foreground process group) does not reach it; the caller stops between
    /// steps instead. (<c>systemctl stop</c> reaches it only through the unit's KillMode=mixed final SIGKILL.)
    /// </summary>
    /// <param name="name">What the command is for, as reported (<c>netplan-apply</c>).</param>
    /// <param name="input">Written to the command's stdin (then closed), e.g. the rule set for <c>nft -f -</c>; <c>null</c>: none.</param>
    public Task<CommandResult> RunToCompletionAsync(string name, string commandLine, TimeSpan timeout, string? input = null) =>
        RunCoreAsync(name, commandLine, timeout, ownSession: true, input, CancellationToken.None);

    /// <summary>Runs a command that only looks (a probe): cancelling <paramref name="ct"/> kills it and its children.</summary>
    /// <param name="name">What the command is for, as reported (<c>ping-gateway</c>).</param>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled (the command is killed first).</exception>
    public Task<CommandResult> RunAsync(string name, string commandLine, TimeSpan timeout, CancellationToken ct) =>
        RunCoreAsync(name, commandLine, timeout, ownSession: false, input: null, ct);

    private async Task<CommandResult> RunCoreAsync(string name, string commandLine, TimeSpan timeout, bool ownSession, string? input,
        CancellationToken ct)
    {
        var started = time.GetTimestamp();
        // setsid execs in place (the child of a .NET process never leads a group), so the pid stays the shell's; --wait
        // covers the case where it must fork.
        var inSession = ownSession && Setsid is not null;
        var info = new ProcessStartInfo(inSession ? Setsid! : Shell)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        };
        if (inSession)
        {
            info.ArgumentList.Add("--wait");
            info.ArgumentList.Add(Shell);
        }
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(commandLine);

        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            LogCouldNotStart(logger, name, commandLine, e.Message);
            return new CommandResult(name, commandLine, -1, "", e.Message, time.GetElapsedTime(started), TimedOut: false);
        }

        LogStarted(logger, name, commandLine, process.Id);
        if (input is not null)
        {
            try
            {
                await process.StandardInput.WriteAsync(input.AsMemory(), ct).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // It exited without reading all of it: its exit code and stderr say why.
            }
        }
        // No one will ever type into it: a command that asks a question must fail, not hang until the timeout.
        try
        {
            process.StandardInput.Close();
        }
        catch (IOException)
        {
        }
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);

        using var timeoutSource = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeoutSource.Token);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            timedOut = !ct.IsCancellationRequested;
            KillTree(process);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        // Grandchildren that kept the pipes open die with the tree; bound the wait anyway.
        string[] output;
        try
        {
            output = await Task.WhenAll(stdout, stderr).WaitAsync(TimeSpan.FromSeconds(5), time, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A daemonised grandchild still holds the pipes: report the result without its output.
            output = ["", "(output not collected: a background child of the command kept it open)"];
        }

        var result = new CommandResult(name, commandLine, timedOut ? -1 : process.ExitCode, output[0], output[1],
            time.GetElapsedTime(started), timedOut) { Timeout = timeout };
        ct.ThrowIfCancellationRequested();

        if (result.Succeeded) LogSucceeded(logger, name, result.Duration.TotalSeconds);
        else LogFailed(logger, result.Describe());
        return result;
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Running {Name}: {CommandLine} (pid {Pid})")]
    private static partial void LogStarted(ILogger logger, string name, string commandLine, int pid);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "{Name} succeeded in {Seconds:0.0} s")]
    private static partial void LogSucceeded(ILogger logger, string name, double seconds);

    [LoggerMessage(EventId = 202, Level = LogLevel.Error, Message = "{Description}")]
    private static partial void LogFailed(ILogger logger, string description);

    [LoggerMessage(EventId = 203, Level = LogLevel.Error, Message = "Could not start {Name} ({CommandLine}): {Reason}")]
    private static partial void LogCouldNotStart(ILogger logger, string name, string commandLine, string reason);
}
