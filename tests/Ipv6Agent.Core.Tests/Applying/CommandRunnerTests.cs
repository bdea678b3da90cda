using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv6Agent.Applying;

public sealed class CommandRunnerTests
{
    private static readonly CommandRunner Runner = new(NullLogger<CommandRunner>.Instance, TimeProvider.System);

    [Fact]
    public async Task Run_Succeeding_CapturesOutputAndExitZero()
    {
        var result = await Runner.RunAsync("test", "echo out; echo err >&2", TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded);
        Assert.Equal((0, "out\n", "err\n"), (result.ExitCode, result.StandardOutput, result.StandardError));
    }

    [Fact]
    public async Task Run_Failing_ReturnsItsExitCodeAndSaysWhy()
    {
        var result = await Runner.RunAsync("netplan-apply", "echo 'Invalid YAML' >&2; exit 3", TimeSpan.FromSeconds(10),
            TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("netplan-apply (echo 'Invalid YAML' >&2; exit 3) exited with 3: Invalid YAML", result.Describe());
    }

    [Fact]
    public async Task Run_MissingProgram_Is127NotAnException()
    {
        var result = await Runner.RunAsync("docker-restart", "/nonexistent/systemctl restart docker", TimeSpan.FromSeconds(10),
            TestContext.Current.CancellationToken);

        Assert.Equal(127, result.ExitCode);
        Assert.Contains("not found", result.StandardError);
    }

    [Theory]
    [InlineData("PATH=/nonexistent; netplan apply", "`netplan` not found: install netplan.io")]
    [InlineData("PATH=/nonexistent; systemctl restart docker", "`systemctl` not found: install systemd")]
    [InlineData("bash -c 'PATH=/nonexistent; nft -f -'", "`nft` not found: install nftables")]
    [InlineData("/nonexistent/sbin/netplan apply", "`netplan` not found: install netplan.io")]
    [InlineData("env /nonexistent/docker restart", "`docker` not found: install docker.io")]
    [InlineData("PATH=/nonexistent; frobnicate", "`frobnicate` not found: install the package that provides it")]
    [InlineData("exit 127", "a program it runs was not found (exit 127)")]
    public async Task Run_ProgramMissing_SaysWhichAndWhatToInstallNotThatTheNetworkFailed(string commandLine, string why)
    {
        var result = await Runner.RunAsync("netplan-apply", commandLine, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Equal(why, result.NotRunnable);
        Assert.Equal($"netplan-apply ({commandLine}) could not run: {why}", result.Describe());
    }

    [Fact]
    public async Task Run_ProgramNotExecutable_SaysSo()
    {
        using var root = new ScratchRoot();
        var script = Path.Join(root.Path, "netplan");
        File.WriteAllText(script, "#!/bin/sh\n");

        var result = await Runner.RunAsync("netplan-apply", $"{script} apply", TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(126, result.ExitCode);
        Assert.Equal($"`{script}` is not executable", result.NotRunnable);
    }

    [Fact]
    public async Task Run_FailingWithOtherCodes_IsNotCalledMissing()
    {
        var result = await Runner.RunAsync("netplan-apply", "echo 'gateway: not found' >&2; exit 1", TimeSpan.FromSeconds(10),
            TestContext.Current.CancellationToken);

        Assert.Null(result.NotRunnable);
        Assert.Equal("netplan-apply (echo 'gateway: not found' >&2; exit 1) exited with 1: gateway: not found", result.Describe());
    }

    [Fact]
    public async Task Run_StdinIsClosed_SoAQuestionFailsInsteadOfHanging()
    {
        var result = await Runner.RunAsync("ask", "read answer || exit 9", TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(9, result.ExitCode);
    }

    [Fact]
    public async Task Run_PastTimeout_KillsTheWholeTree()
    {
        using var root = new ScratchRoot();
        var pidFile = Path.Join(root.Path, "child.pid");

        var result = await Runner.RunAsync("slow", $"sleep 60 & echo $! > {pidFile}; wait", TimeSpan.FromMilliseconds(700),
            TestContext.Current.CancellationToken);

        Assert.True(result.TimedOut);
        Assert.Equal(-1, result.ExitCode);
        Assert.InRange(result.Duration, TimeSpan.FromMilliseconds(650), TimeSpan.FromSeconds(8));
        Assert.StartsWith("slow (sleep 60 &", result.Describe());
        Assert.Contains("did not finish within 0.7 s and was killed", result.Describe()); // the timeout it was given, however late the kill came
        var child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(IsRunning(child), $"the background child {child} outlived the timeout");
    }

    /// <summary>A killed child whose parent died may linger as a zombie when PID 1 does not reap (containers): that is dead too.</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Run_Cancelled_KillsAndThrows()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Runner.RunAsync("slow", "sleep 60", TimeSpan.FromSeconds(30), cts.Token));
    }

    /// <summary>
    /// A command that changes the host leads a session of its own: a terminal's Ctrl-C (SIGINT to the agent's process group)
    /// must not kill <c>netplan apply</c> half way.
    /// </summary>
    [Fact]
    public async Task RunToCompletion_LeadsASessionOfItsOwn()
    {
        var result = await Runner.RunToCompletionAsync("netplan-apply", "echo $$; cut -d' ' -f6 /proc/$$/stat", TimeSpan.FromSeconds(10));

        Assert.True(result.Succeeded, result.Describe());
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(lines[0], lines[1]);
        Assert.NotEqual(SessionOf("self"), lines[1]);
    }

    [Fact]
    public async Task RunToCompletion_PastItsOwnTimeout_IsStillKilled()
    {
        var result = await Runner.RunToCompletionAsync("netplan-apply", "sleep 60", TimeSpan.FromMilliseconds(500));

        Assert.True(result.TimedOut);
        Assert.InRange(result.Duration, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(8));
    }

    private static string SessionOf(string pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[3];
    }
}
