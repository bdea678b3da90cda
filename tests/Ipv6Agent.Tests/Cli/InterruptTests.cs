using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Ipv6Agent.Testing;
using Ipv6Agent.Testing.Imds;

namespace Ipv6Agent.Cli;

/// <summary>
/// A pass asked to stop (Ctrl-C at a terminal, <c>systemctl stop</c>) while <c>netplan apply</c> runs: the command finishes,
/// the pass stops at the next step, and it still ends in a report, with its journal left for the next pass to undo.
/// </summary>
public sealed class InterruptTests
{
    [Fact]
    public async Task Apply_CtrlCDuringNetplanApply_LetsItFinishExits2AndLeavesTheJournal()
    {
        await using var imds = await FakeImdsServer.StartAsync(FakeImdsOptions.For(BlogHost.Instance1));
        using var root = BlogHost.Root();
        var config = BlogHost.Config(root, imds.Endpoint, SlowNetplanApply(root));

        // setsid: the agent leads its own process group, so the SIGINT below reaches it and its children as a terminal's Ctrl-C does.
        // env --default-signal=INT: a harness started in the background by a shell without job control (`cmd &` in a script)
        // passes SIGINT down ignored, and a process that starts with it ignored keeps it so (as under nohup): the agent would
        // never see this Ctrl-C. A terminal's Ctrl-C reaches a process whose SIGINT is at its default.
        using var agent = Start("env", ["--default-signal=INT", "setsid", await AgentBinary.PathAsync(), "--config", config, "apply", "--json"]);
        var stdout = agent.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = agent.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            await WaitForFileAsync(root.Full("/netplan-started"), agent);
            Signal("INT", "-" + agent.Id.ToString(CultureInfo.InvariantCulture));
            await WaitForExitAsync(agent);

            Assert.True(agent.ExitCode == 2, $"exit {agent.ExitCode}\n{await stderr}");
            Assert.DoesNotContain("Unhandled exception", await stderr, StringComparison.Ordinal);
            Assert.True(File.Exists(root.Full("/netplan-finished")), "netplan apply was killed half way");
            var report = JsonNode.Parse(await stdout)!;
            Assert.Equal("failed", (string?)report["result"]);
            Assert.Contains("interrupted", (string?)report["error"]);
            Assert.Equal(["netplan-apply"], report["actions"]!.AsArray().Select(a => (string?)a));
            Assert.Equal("failed", (string?)JsonNode.Parse(root.Read("/run/ipv6-agent/status.json")!)!["result"]);
            Assert.True(File.Exists(root.Full("/var/lib/ipv6-agent/interrupted-pass.json")), "the journal must stay for the next pass");
            // It stopped between steps: nothing after netplan was written.
            Assert.Equal(BlogHost.DaemonJson, root.Read("/etc/docker/daemon.json"));
        }
        finally
        {
            if (!agent.HasExited) agent.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Run_SigtermDuringNetplanApply_LetsItFinishAndWritesTheInterruptedReport()
    {
        await using var imds = await FakeImdsServer.StartAsync(FakeImdsOptions.For(BlogHost.Instance1));
        using var root = BlogHost.Root();
        var config = BlogHost.Config(root, imds.Endpoint, SlowNetplanApply(root) + "reconcile:\n  interval: 1h\n");

        using var agent = Start(await AgentBinary.PathAsync(), ["--config", config, "run"]);
        var stderr = agent.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            await WaitForFileAsync(root.Full("/netplan-started"), agent);
            // systemctl stop with KillMode=mixed: SIGTERM to the agent only.
            Signal("TERM", agent.Id.ToString(CultureInfo.InvariantCulture));
            await WaitForExitAsync(agent);

            Assert.True(agent.ExitCode == 0, $"exit {agent.ExitCode}\n{await stderr}");
            Assert.True(File.Exists(root.Full("/netplan-finished")), "netplan apply was killed half way");
            var status = JsonNode.Parse(root.Read("/run/ipv6-agent/status.json")!)!;
            Assert.Equal("failed", (string?)status["result"]);
            Assert.Contains("interrupted", (string?)status["error"]);
            Assert.True(File.Exists(root.Full("/var/lib/ipv6-agent/interrupted-pass.json")), "the journal must stay for the next pass");
        }
        finally
        {
            if (!agent.HasExited) agent.Kill(entireProcessTree: true);
        }
    }

    /// <summary>A netplan apply that takes two seconds and leaves a mark when it starts and when it ends.</summary>
    private static string SlowNetplanApply(TempRoot root) =>
        // Goes on under BlogHost.Config's own `commands:` (the firewall's `cat`): a second `commands:` key is invalid YAML.
        $"  netplan-apply: \"touch {root.Full("/netplan-started")}; sleep 2; touch {root.Full("/netplan-finished")}\"\n";

    private static Process Start(string program, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            Environment = { ["DOCKER_HOST"] = BlogHost.NoDocker["DOCKER_HOST"] },
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        var process = Process.Start(info)!;
        process.StandardInput.Close();
        return process;
    }

    private static async Task WaitForFileAsync(string path, Process agent)
    {
        var watch = Stopwatch.StartNew();
        while (!File.Exists(path))
        {
            if (agent.HasExited) Assert.Fail($"the agent exited ({agent.ExitCode}) before {path} appeared");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"{path} did not appear within 60 s");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private static async Task WaitForExitAsync(Process agent)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await agent.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("the agent did not exit within 30 s of the signal");
        }
    }

    private static void Signal(string signal, string target) =>
        Process.Start("kill", ["-" + signal, "--", target])!.WaitForExit();
}
