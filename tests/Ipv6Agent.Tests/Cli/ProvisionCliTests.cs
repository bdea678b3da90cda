using System.Text.Json.Nodes;
using Ipv6Agent.Testing;
using Ipv6Agent.Testing.Ec2;
using Ipv6Agent.Testing.Imds;

namespace Ipv6Agent.Cli;

/// <summary>Issue 12 through the published binary: its config keys, and a dry run that only says what it would ask EC2.</summary>
public sealed class ProvisionCliTests
{
    [Theory]
    [InlineData("provision: always\n", "invalid configuration: provision: 'always' is not one of off, prefix")]
    [InlineData("ec2:\n  endpoint: ec2.us-east-1.api.aws\n", "invalid configuration: ec2.endpoint: 'ec2.us-east-1.api.aws' is neither 'auto' nor an http(s) URL")]
    public async Task BadProvisionKey_Exits78NamingTheKey(string yaml, string message)
    {
        var run = await AgentProcess.RunAsync(["--config", BlogHost.WriteConfig(yaml), "apply"]);

        Assert.Equal(78, run.ExitCode);
        Assert.Contains(message, run.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DryRun_ProvisionPrefix_SaysItWouldRequestAPrefix_PlansWithoutOne_CallsNoApi_ChangesNothing()
    {
        await using var imds = await FakeImdsServer.StartAsync(FakeImdsOptions.For(BlogHost.Instance1 with { Role = FakeRole.Random("ipv6-agent") }));
        await using var ec2 = await FakeEc2Server.StartAsync(imds);
        using var root = BlogHost.Root();
        var before = root.Fingerprint();

        var run = await AgentProcess.RunAsync(
            ["--config", BlogHost.Config(root, imds.Endpoint, $"provision: prefix\nec2:\n  endpoint: {ec2.Endpoint}\n"), "apply", "--dry-run", "--json"],
            BlogHost.NoDocker);

        Assert.True(run.ExitCode == 0, run.StdErr);
        var report = JsonNode.Parse(run.StdOut)!.AsObject();
        Assert.Equal("block", (string?)report["plan"]!["source"]);
        Assert.Equal(["ec2-assign-prefix", "netplan-apply", "docker-restart", "firewall-load"], report["actions"]!.AsArray().Select(a => (string?)a));
        Assert.Contains("Dry run: apply would ask EC2 for a delegated /80 for eni-0a1b2c3d4e5f60718 (provision: prefix)", run.StdErr, StringComparison.Ordinal);
        Assert.Empty(ec2.Requests);
        Assert.Equal(before, root.Fingerprint());
    }
}
