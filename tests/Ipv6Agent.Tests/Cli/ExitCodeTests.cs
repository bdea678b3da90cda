using System.Text.Json.Nodes;
using Ipv6Agent.Testing;
using Ipv6Agent.Testing.Imds;

namespace Ipv6Agent.Cli;

public sealed class ExitCodeTests
{
    [Theory]
    [InlineData(new string[0], "no command given")]
    [InlineData(new[] { "frobnicate" }, "unknown command 'frobnicate'")]
    [InlineData(new[] { "apply", "--force" }, "unknown option '--force'")]
    [InlineData(new[] { "status", "--dry-run" }, "--dry-run goes with apply")]
    [InlineData(new[] { "version", "--json" }, "--json goes with apply or status")]
    [InlineData(new[] { "--config" }, "--config needs a file name")]
    [InlineData(new[] { "apply", "status" }, "unexpected argument 'status'")]
    public async Task Usage_BadCommandLine_Exits64WithTheReasonAndTheUsage(string[] args, string reason)
    {
        var run = await AgentProcess.RunAsync(args);

        Assert.Equal(64, run.ExitCode);
        Assert.Contains($"ipv6-agent: {reason}", run.StdErr);
        Assert.Contains("usage: ipv6-agent [--config FILE] run", run.StdErr);
        Assert.Empty(run.StdOut);
    }

    [Fact]
    public async Task Version_PrintsTheStampedVersion()
    {
        var run = await AgentProcess.RunAsync(["version"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", run.StdOut);
    }

    [Theory]
    [InlineData("apply")]
    [InlineData("status")]
    public async Task InvalidConfiguration_Exits78NamingTheKey(string verb)
    {
        var config = BlogHost.WriteConfig("addressing: blocks\n");

        var run = await AgentProcess.RunAsync(["--config", config, verb]);

        Assert.Equal(78, run.ExitCode);
        Assert.Contains("invalid configuration: addressing: 'blocks' is not one of auto, prefix, block", run.StdErr);
    }

    [Fact]
    public async Task MissingExplicitConfig_Exits78()
    {
        var run = await AgentProcess.RunAsync(["--config", "/nonexistent/ipv6-agent.yaml", "status"]);

        Assert.Equal(78, run.ExitCode);
        Assert.Contains("cannot read the configuration file /nonexistent/ipv6-agent.yaml", run.StdErr);
    }
}
