using System.Text.Json.Nodes;
using Ipv6Agent.Testing;
using Ipv6Agent.Testing.Imds;

namespace Ipv6Agent.Cli;

/// <summary>
/// The published agent against an IMDS that answers like an attacker: every pass ends in a written report with a
/// one-line error (exit 2), nothing injected reaches sd_notify, and the service asks for a new token the next pass.
/// </summary>
public sealed class HostileImdsTests
{
    public static TheoryData<string, FakeResponse> HostileTokenAnswers => new()
    {
        { "CR LF in the token", FakeResponse.Ok("AQAEAKs1\r\nX-Injected: 1") },
        { "NUL in the token", FakeResponse.Ok("AQAE\0AKs1") },
        { "CR with an sd_notify assignment", FakeResponse.Ok("AQAEAKs1\rMAINPID=1\r") },
        { "an ANSI escape in the token", FakeResponse.Ok("\u001b[31mAQAEAKs1") },
        { "a 100 kB token", FakeResponse.Ok(new string('A', 100_000)) },
    };

    [Theory]
    [MemberData(nameof(HostileTokenAnswers))]
    public async Task Apply_HostileToken_Exits2WithOneLineErrorAndWritesTheStatus(string what, FakeResponse answer)
    {
        await using var imds = await FakeImdsServer.StartAsync(FakeImdsOptions.For(BlogHost.Instance1));
        imds.TokenAnswer = answer;
        using var root = BlogHost.Root();

        // A real apply: it stops at the token, before anything on the host could change.
        var run = await AgentProcess.RunAsync(["--config", BlogHost.Config(root, imds.Endpoint), "apply", "--json"], BlogHost.NoDocker);

        Assert.True(run.ExitCode == 2, $"{what}: exit {run.ExitCode}\n{run.StdErr}");
        var error = (string?)JsonNode.Parse(run.StdOut)!["error"];
        Assert.StartsWith("IMDS answered HTTP 200 with a", error, StringComparison.Ordinal);
        Assert.Contains("to PUT /latest/api/token", error, StringComparison.Ordinal);
        Assert.DoesNotContain(error!, c => char.IsControl(c));
        var status = JsonNode.Parse(root.Read("/run/ipv6-agent/status.json")!)!;
        Assert.Equal("failed", (string?)status["result"]);
        Assert.Equal(error, (string?)status["error"]);
    }

    [Theory]
    [InlineData("900000000000")]
    [InlineData("922337203686")]
    [InlineData("99999999999999999999999")]
    [InlineData("0")]
    public async Task Apply_AbsurdTokenLifetime_IsClampedAndThePassGoesOn(string ttl)
    {
        await using var imds = await FakeImdsServer.StartAsync(FakeImdsOptions.For(BlogHost.Instance1));
        imds.TokenAnswer = FakeResponse.Ok("AQAEAKs1ttl") with { Headers = new Dictionary<string, string> { [FakeImdsServer.TokenTtlHeader] = ttl } };
        using var root = BlogHost.Root();

        var run = await AgentProcess.RunAsync(["--config", BlogHost.Config(root, imds.Endpoint), "apply", "--dry-run", "--json"], BlogHost.NoDocker);

        Assert.True(run.ExitCode is 0 or 1 or 2, $"exit {run.ExitCode}\n{run.StdErr}");
        var report = JsonNode.Parse(run.StdOut)!;
        Assert.Equal("i-0123456789abcdef0", (string?)report["instance"]?["id"]);
        Assert.Equal("2001:db8:47b:ca03::8/126", (string?)report["plan"]?["dockerCidr"]);
    }

    [Fact]
    public async Task Run_HostileToken_EachPassFailsCleanlyAndAsksForANewOne_NothingInjectedIntoSdNotify()
    {
        await using var imds = await FakeImdsServer.StartAsync(FakeImdsOptions.For(BlogHost.Instance1));
        imds.TokenAnswer = FakeResponse.Ok("AQAEAKs1\rMAINPID=1\nREADY=1\r");
        using var root = BlogHost.Root();
        await using var agent = await NotifiedRun.StartAsync(root, BlogHost.Config(root, imds.Endpoint, "reconcile:\n  interval: 1s\n"));
        await agent.ReceiveUntilAsync(() => agent.Lines.Count(m => m.StartsWith("STATUS=failed: IMDS answered", StringComparison.Ordinal)) >= 2);
        Assert.True(imds.Requests.Count(r => r.IsTokenRequest) >= 2, "every pass must ask for a new token");
        Assert.DoesNotContain(agent.Lines, m => !m.StartsWith("STATUS=", StringComparison.Ordinal) && m != "WATCHDOG=1");
        var status = JsonNode.Parse(root.Read("/run/ipv6-agent/status.json")!)!;
        Assert.Equal("failed", (string?)status["result"]);
        Assert.Contains("/latest/api/token", (string?)status["error"], StringComparison.Ordinal);

        // IMDS healthy again: the next pass gets a good token and reads the instance.
        imds.TokenAnswer = null;
        await agent.ReceiveUntilAsync(() => JsonNode.Parse(root.Read("/run/ipv6-agent/status.json")!)!["instance"] is not null);
        Assert.DoesNotContain("Unhandled exception", await agent.StopAsync(), StringComparison.Ordinal);
    }
}
