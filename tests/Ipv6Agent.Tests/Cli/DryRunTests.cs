using System.Text.Json.Nodes;
using Ipv6Agent.Testing;
using Ipv6Agent.Testing.Imds;

namespace Ipv6Agent.Cli;

public sealed class DryRunTests
{
    [Fact]
    public async Task DryRunJson_BlogInstance_PrintsTheContractsReportAndChangesNothing()
    {
        await using var imds = await FakeImdsServer.StartAsync(FakeImdsOptions.For(BlogHost.Instance1));
        using var root = BlogHost.Root();
        var before = root.Fingerprint();

        var run = await AgentProcess.RunAsync(["--config", BlogHost.Config(root, imds.Endpoint), "apply", "--dry-run", "--json"], BlogHost.NoDocker);

        Assert.True(run.ExitCode == 0, run.StdErr);
        var report = JsonNode.Parse(run.StdOut)!.AsObject();
        Assert.Equal(1, (int)report["schema"]!);
        Assert.Equal("ok", (string?)report["result"]);
        Assert.True((bool)report["dryRun"]!);
        Assert.Null(report["error"]);
        Assert.Equal("i-0123456789abcdef0", (string?)report["instance"]!["id"]);
        Assert.Equal("us-east-1", (string?)report["instance"]!["region"]);
        Assert.Equal(BlogHost.Mac, (string?)report["instance"]!["mac"]);
        Assert.Equal("ens5", (string?)report["instance"]!["interface"]);
        Assert.Equal("eni-0a1b2c3d4e5f60718", (string?)report["instance"]!["eni"]);
        var plan = report["plan"]!;
        Assert.Equal("block", (string?)plan["source"]);
        Assert.Equal(["2001:db8:47b:ca03::1:1/64"], plan["hostAddresses"]!.AsArray().Select(a => (string?)a));
        Assert.Equal("fe80::1066:30ff:feb8:c008", (string?)plan["gateway"]);
        Assert.Equal("2001:db8:47b:ca03::8/126", (string?)plan["dockerCidr"]);
        Assert.Equal("2001:db8:47b:ca03::9", (string?)plan["dockerGateway"]);
        Assert.Equal(["netplan-apply", "docker-restart", "firewall-load"], report["actions"]!.AsArray().Select(a => (string?)a));
        Assert.Empty(report["checks"]!.AsArray());

        var changes = report["changes"]!.AsArray().ToDictionary(c => (string)c!["path"]!, c => c!);
        Assert.Equal("create", (string?)changes["/etc/netplan/60-ipv6-agent.yaml"]["action"]);
        Assert.Contains("+++ b/etc/netplan/60-ipv6-agent.yaml", (string?)changes["/etc/netplan/60-ipv6-agent.yaml"]["diff"]);
        Assert.Contains("\"2001:db8:47b:ca03::1:1/64\"", (string?)changes["/etc/netplan/60-ipv6-agent.yaml"]["diff"]);
        Assert.Equal("update", (string?)changes["/etc/docker/daemon.json"]["action"]);
        Assert.Contains("+  \"fixed-cidr-v6\": \"2001:db8:47b:ca03::8/126\"", (string?)changes["/etc/docker/daemon.json"]["diff"]);
        Assert.Equal("update", (string?)changes["/etc/apt/sources.list.d/ubuntu.sources"]["action"]);
        Assert.Equal("create", (string?)changes["/etc/sysctl.d/60-ipv6-agent.conf"]["action"]);
        // This host has no IPv4 default route: apt must be told to use IPv6.
        Assert.Equal("create", (string?)changes["/etc/apt/apt.conf.d/99ipv6-agent-force-ipv6"]["action"]);
        Assert.Equal("unchanged", (string?)changes["/etc/netplan/50-cloud-init.yaml"]["action"]);
        // The rule set it would load (no Docker answers: every container port closed), and the boot-time copy.
        Assert.Equal("create", (string?)changes["/run/ipv6-agent/firewall.nft"]["action"]);
        Assert.Contains("+\t\tip6 daddr 2001:db8:47b:ca03::8/126 iifname != \"docker0\" jump inbound", (string?)changes["/run/ipv6-agent/firewall.nft"]["diff"]);
        Assert.Equal("create", (string?)changes["/var/lib/ipv6-agent/firewall-boot.nft"]["action"]);
        Assert.Equal(before, root.Fingerprint());
        Assert.DoesNotContain("/run/ipv6-agent/status.json", root.Fingerprint().Keys);
    }

    [Fact]
    public async Task DryRun_AfterAKilledPass_WarnsAndLeavesItsJournalForTheRealPass()
    {
        await using var imds = await FakeImdsServer.StartAsync(FakeImdsOptions.For(BlogHost.Instance1));
        using var root = BlogHost.Root().With(
            "/var/lib/ipv6-agent/interrupted-pass.json",
            "{\"files\":[{\"path\":\"/etc/netplan/60-ipv6-agent.yaml\",\"before\":null,\"after\":\"network: {}\\n\",\"modeBefore\":384}],\"started\":[\"netplan-apply\"]}");
        var before = root.Fingerprint();

        var run = await AgentProcess.RunAsync(["--config", BlogHost.Config(root, imds.Endpoint), "apply", "--dry-run", "--json"], BlogHost.NoDocker);

        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Contains("<4>The previous pass was interrupted; the next apply (or the service's next pass) puts its files back first", run.StdErr, StringComparison.Ordinal);
        Assert.Equal(before, root.Fingerprint());
    }

    [Fact]
    public async Task DryRunText_ShowsTheSummaryAndEveryDiff()
    {
        await using var imds = await FakeImdsServer.StartAsync(FakeImdsOptions.For(BlogHost.Instance1));
        using var root = BlogHost.Root();

        var run = await AgentProcess.RunAsync(["--config", BlogHost.Config(root, imds.Endpoint), "apply", "--dry-run"], BlogHost.NoDocker);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("ipv6-agent: ok (dry run)", run.StdOut);
        Assert.Contains("docker    2001:db8:47b:ca03::8/126 (gateway 2001:db8:47b:ca03::9, from block)", run.StdOut);
        Assert.Contains("--- /dev/null\n+++ b/etc/netplan/60-ipv6-agent.yaml", run.StdOut);
        Assert.Contains("--- a/etc/docker/daemon.json\n+++ b/etc/docker/daemon.json", run.StdOut);
        Assert.Contains("-URIs: http://us-east-1.ec2.archive.ubuntu.com/ubuntu/", run.StdOut);
        Assert.Contains("+URIs: http://archive.ubuntu.com/ubuntu/", run.StdOut);
    }

    /// <summary>Every kind of refusal a dry run meets (no block, broken daemon.json, IMDS down) is still a dry run.</summary>
    [Theory]
    [InlineData("no-block")]
    [InlineData("bad-daemon-json")]
    [InlineData("imds-down")]
    public async Task DryRun_Refused_StillSaysItWasADryRun(string refusal)
    {
        var instance = refusal == "no-block"
            ? BlogHost.Instance1 with { Enis = [BlogHost.Instance1.Enis[0] with { Ipv6s = ["2001:db8:47b:ca03::1:1"] }] }
            : BlogHost.Instance1;
        await using var imds = await FakeImdsServer.StartAsync(FakeImdsOptions.For(instance));
        using var root = BlogHost.Root();
        if (refusal == "bad-daemon-json") root.With("/etc/docker/daemon.json", "{ \"log-driver\": \"json-file\", }\n");
        var config = BlogHost.Config(root, refusal == "imds-down" ? new Uri("http://127.0.0.1:9") : imds.Endpoint);

        var json = await AgentProcess.RunAsync(["--config", config, "apply", "--dry-run", "--json"], BlogHost.NoDocker);
        var text = await AgentProcess.RunAsync(["--config", config, "apply", "--dry-run"], BlogHost.NoDocker);

        Assert.Equal((2, 2), (json.ExitCode, text.ExitCode));
        var report = JsonNode.Parse(json.StdOut)!;
        Assert.Equal("failed", (string?)report["result"]);
        Assert.True((bool)report["dryRun"]!, json.StdOut);
        Assert.StartsWith("ipv6-agent: failed (dry run) at ", text.StdOut);
    }
}
