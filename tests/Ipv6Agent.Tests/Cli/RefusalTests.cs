using System.Text.Json.Nodes;
using Ipv6Agent.Testing;
using Ipv6Agent.Testing.Imds;

namespace Ipv6Agent.Cli;

/// <summary>Bad input is exit 2 with a sentence for a person, and the host exactly as it was (a real apply, not a dry run).</summary>
public sealed class RefusalTests
{
    /// <summary>The agent's own state (status file, lock) is the only thing a refused pass may write.</summary>
    private static bool IsAgentState(string path) => path is "/run" || path.StartsWith("/run/ipv6-agent", StringComparison.Ordinal);

    [Fact]
    public async Task Apply_ImdsDown_Exits2AndTouchesNothing()
    {
        using var root = BlogHost.Root();
        var before = root.Fingerprint();
        // A port nothing listens on: connection refused, retried, then a clear failure.
        var config = BlogHost.Config(root, new Uri("http://127.0.0.1:9"));

        var run = await AgentProcess.RunAsync(["--config", config, "apply", "--json"], BlogHost.NoDocker);

        Assert.Equal(2, run.ExitCode);
        var report = JsonNode.Parse(run.StdOut)!;
        Assert.Equal("failed", (string?)report["result"]);
        Assert.Contains("IMDS", (string?)report["error"]);
        Assert.Empty(report["actions"]!.AsArray());
        var after = root.Fingerprint();
        Assert.Equal("failed", (string?)JsonNode.Parse(root.Read("/run/ipv6-agent/status.json")!)!["result"]);
        Assert.Equal(before, after.Where(f => !IsAgentState(f.Key)).ToDictionary());
    }

    [Fact]
    public async Task Apply_EniWithoutBlockOrPrefix_Exits2WithTheAssignCommand()
    {
        var instance = BlogHost.Instance1 with
        {
            Enis = [BlogHost.Instance1.Enis[0] with { Ipv6s = ["2001:db8:47b:ca03::1:1"] }],
        };
        await using var imds = await FakeImdsServer.StartAsync(FakeImdsOptions.For(instance));
        using var root = BlogHost.Root();
        var before = root.Fingerprint();

        var run = await AgentProcess.RunAsync(["--config", BlogHost.Config(root, imds.Endpoint), "apply"], BlogHost.NoDocker);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("ipv6-agent: failed", run.StdOut);
        Assert.Contains("aws ec2 assign-ipv6-addresses --network-interface-id eni-0a1b2c3d4e5f60718", run.StdOut);
        Assert.Equal(before, root.Fingerprint().Where(f => !IsAgentState(f.Key)).ToDictionary());
    }

    [Fact]
    public async Task Apply_InvalidDaemonJson_Exits2NamingTheFileAndLeavesItUntouched()
    {
        await using var imds = await FakeImdsServer.StartAsync(FakeImdsOptions.For(BlogHost.Instance1));
        using var root = BlogHost.Root().With("/etc/docker/daemon.json", "{ \"log-driver\": \"json-file\", }\n");
        var before = root.Fingerprint();

        var run = await AgentProcess.RunAsync(["--config", BlogHost.Config(root, imds.Endpoint), "apply", "--json"], BlogHost.NoDocker);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("/etc/docker/daemon.json", (string?)JsonNode.Parse(run.StdOut)!["error"]);
        Assert.Equal(before, root.Fingerprint().Where(f => !IsAgentState(f.Key)).ToDictionary());
    }

    [Fact]
    public async Task Apply_InvalidNetplanYaml_Exits2NamingTheFile()
    {
        await using var imds = await FakeImdsServer.StartAsync(FakeImdsOptions.For(BlogHost.Instance1));
        using var root = BlogHost.Root().With("/etc/netplan/50-cloud-init.yaml", "network:\n  ethernets: [unclosed\n");

        var run = await AgentProcess.RunAsync(["--config", BlogHost.Config(root, imds.Endpoint), "apply", "--dry-run", "--json"], BlogHost.NoDocker);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("/etc/netplan/50-cloud-init.yaml:", (string?)JsonNode.Parse(run.StdOut)!["error"]);
    }
}
