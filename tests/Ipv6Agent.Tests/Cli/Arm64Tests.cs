using System.Diagnostics;
using System.Text.Json.Nodes;
using Ipv6Agent.Testing;
using Ipv6Agent.Testing.Imds;

namespace Ipv6Agent.Cli;

/// <summary>
/// The linux-arm64 build for real (issue 8, item 18), run under qemu-user on this x64 machine: <c>version</c>,
/// <c>apply --dry-run --json</c> and a real <c>apply</c> on a temporary root with a fake IMDS give the same answers, the
/// same report and the same files as the x64 build. qemu passes the arm64 <c>open</c> flags to the kernel as arm64 means
/// them, so a flag value that is right only on x64 (<c>O_DIRECTORY</c> = 0x10000 is <c>O_DIRECT</c> on arm64, and every
/// directory fsync after a write failed) fails here as it would on Graviton.
/// </summary>
/// <remarks>
/// tests/run-all.sh publishes the arm64 build once (<c>IPV6_AGENT_ARM64</c>) and unpacks arm64's libc into a sysroot for
/// qemu (<c>IPV6_AGENT_ARM64_SYSROOT</c>). Under CI a missing one is a failure, not a skip: the point is that arm64 runs.
/// </remarks>
[Collection(nameof(Arm64Collection))]
public sealed class Arm64Tests
{
    private const string Qemu = "qemu-aarch64-static";

    /// <summary>.NET starts slowly under qemu (JIT and all, emulated): minutes of slack on a loaded 2-core machine.</summary>
    private static readonly TimeSpan QemuTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Version_SameAsX64()
    {
        var (x64, arm64) = (await AgentProcess.RunAsync(["version"]), await RunArm64Async(["version"]));

        Assert.True(arm64.ExitCode == 0, arm64.StdErr);
        Assert.Equal(x64.StdOut, arm64.StdOut);
        Assert.Matches(@"^\d+\.\d+\.\d+", arm64.StdOut);
    }

    [Fact]
    public async Task DryRunJson_SameReportAsX64()
    {
        await using var imds = await FakeImdsServer.StartAsync(FakeImdsOptions.For(BlogHost.Instance1));
        using var x64Root = BlogHost.Root();
        using var arm64Root = BlogHost.Root();

        var x64 = await AgentProcess.RunAsync(["--config", BlogHost.Config(x64Root, imds.Endpoint), "apply", "--dry-run", "--json"], BlogHost.NoDocker);
        var arm64 = await RunArm64Async(["--config", BlogHost.Config(arm64Root, imds.Endpoint), "apply", "--dry-run", "--json"], BlogHost.NoDocker);

        Assert.True(arm64.ExitCode == 0, arm64.StdErr);
        Assert.Equal(x64.ExitCode, arm64.ExitCode);
        var report = Comparable(arm64.StdOut);
        Assert.Equal(Comparable(x64.StdOut), report);
        Assert.True((bool)JsonNode.Parse(report)!["dryRun"]!);
    }

    /// <summary>
    /// A pass that writes: the netplan override and daemon.json are already as the agent would write them (so no
    /// <c>netplan apply</c>, no gateway check, no Docker restart on this machine), and the sysctl and apt files change:
    /// backups, the pass journal, atomic writes with their directory fsyncs, the status file, the lock.
    /// </summary>
    [Fact]
    public async Task RealApply_SameReportAndSameFilesAsX64()
    {
        await using var imds = await FakeImdsServer.StartAsync(FakeImdsOptions.For(BlogHost.Instance1));
        using var x64Root = await ConvergedNetworkRootAsync(imds.Endpoint);
        using var arm64Root = await ConvergedNetworkRootAsync(imds.Endpoint);

        var x64 = await AgentProcess.RunAsync(["--config", RealApplyConfig(x64Root, imds.Endpoint), "apply", "--json"], BlogHost.NoDocker);
        var arm64 = await RunArm64Async(["--config", RealApplyConfig(arm64Root, imds.Endpoint), "apply", "--json"], BlogHost.NoDocker);

        var report = JsonNode.Parse(Comparable(arm64.StdOut, arm64Root))!;
        Assert.Equal(Comparable(x64.StdOut, x64Root), report.ToJsonString()); // first: a differing report says why
        Assert.Equal(x64.ExitCode, arm64.ExitCode);
        Assert.Null(report["error"]);
        Assert.Equal(
            new[]
            {
                "/etc/apt/apt.conf.d/99ipv6-agent-force-ipv6", "/etc/apt/sources.list.d/ubuntu.sources", "/etc/sysctl.d/60-ipv6-agent.conf",
                "/run/ipv6-agent/firewall.nft", "/var/lib/ipv6-agent/firewall-boot.nft", // the rules it loaded (to cat) and loads at boot
            },
            report["changes"]!.AsArray().Where(c => (string?)c!["action"] != "unchanged").Select(c => (string)c!["path"]!).Order(StringComparer.Ordinal));
        Assert.Equal(Files(x64Root), Files(arm64Root));
        Assert.Contains("/var/lib/ipv6-agent/backup/etc/apt/sources.list.d/ubuntu.sources", Files(arm64Root).Keys);
        Assert.Contains("/run/ipv6-agent/status.json", Files(arm64Root).Keys);
    }

    /// <summary>The blog host with its netplan override and daemon.json as the agent renders them (from an x64 dry run).</summary>
    private static async Task<TempRoot> ConvergedNetworkRootAsync(Uri imds)
    {
        var root = BlogHost.Root().With("/etc/docker/daemon.json",
            "{\n  \"ipv6\": true,\n  \"fixed-cidr-v6\": \"2001:db8:47b:ca03::8/126\",\n  \"ip6tables\": false\n}\n");
        var dryRun = await AgentProcess.RunAsync(["--config", BlogHost.Config(root, imds), "apply", "--dry-run", "--json"], BlogHost.NoDocker);
        var created = JsonNode.Parse(dryRun.StdOut)!["changes"]!.AsArray().Single(c => (string?)c!["path"] == "/etc/netplan/60-ipv6-agent.yaml")!;
        Assert.Equal("create", (string?)created["action"]);
        // A creation's unified diff is the whole file, each line after the headers prefixed with '+'.
        var text = string.Concat(((string)created["diff"]!).Split('\n')
            .SkipWhile(l => !l.StartsWith("@@", StringComparison.Ordinal)).Where(l => l.StartsWith('+')).Select(l => l[1..] + "\n"));
        root.With("/etc/netplan/60-ipv6-agent.yaml", text, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return root;
    }

    /// <summary>Harmless commands (a temp root in this machine's own namespace): nothing may reach the host's network or firewall.</summary>
    /// <remarks>They go on under BlogHost.Config's own <c>commands:</c>, which already sends the firewall's rules to <c>cat</c>.</remarks>
    private static string RealApplyConfig(TempRoot root, Uri imds) =>
        BlogHost.Config(root, imds, "  netplan-apply: \"true\"\n  docker-restart: \"true\"\n");

    /// <summary>The report without what differs between any two runs: its time, and the temporary root in a check's detail.</summary>
    private static string Comparable(string json, TempRoot? root = null)
    {
        var report = JsonNode.Parse(json)!.AsObject();
        Assert.NotNull(report["time"]);
        report.Remove("time");
        var text = report.ToJsonString();
        return root is null ? text : text.Replace(root.Path, "ROOT", StringComparison.Ordinal);
    }

    /// <summary>Every path under the root with its content and mode (the status file without its time).</summary>
    private static Dictionary<string, string> Files(TempRoot root) => Directory
        .EnumerateFileSystemEntries(root.Path, "*", SearchOption.AllDirectories)
        .Where(p => !p.EndsWith("/run/ipv6-agent/lock", StringComparison.Ordinal)) // holds the pid
        .ToDictionary(p => p[root.Path.Length..], p => File.GetUnixFileMode(p) + " " + (
            Directory.Exists(p) ? "dir"
            : p.EndsWith("status.json", StringComparison.Ordinal) ? Comparable(File.ReadAllText(p), root)
            : Convert.ToBase64String(File.ReadAllBytes(p))));

    private static async Task<ProcessResult> RunArm64Async(string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var binary = Environment.GetEnvironmentVariable("IPV6_AGENT_ARM64");
        var sysroot = Environment.GetEnvironmentVariable("IPV6_AGENT_ARM64_SYSROOT");
        if (string.IsNullOrEmpty(binary) || string.IsNullOrEmpty(sysroot))
        {
            const string why = "IPV6_AGENT_ARM64 and IPV6_AGENT_ARM64_SYSROOT are not set (tests/run-all.sh publishes the linux-arm64 build and its sysroot)";
            if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 }) Assert.Fail(why);
            Assert.Skip(why);
        }

        Assert.True(File.Exists(binary), $"IPV6_AGENT_ARM64={binary} does not exist");
        Assert.True(File.Exists(Path.Join(sysroot, "lib/ld-linux-aarch64.so.1")), $"{sysroot} has no arm64 dynamic loader");
        var watch = Stopwatch.StartNew();
        // Emulation costs the agent 5-10 times the CPU while its IMDS timeouts are in real time: on a shared machine qemu gets
        // a larger share (root may raise it), so a busy neighbour does not turn into an IMDS timeout.
        string[] qemu = [Qemu, "-L", sysroot, binary, .. args];
        var result = Environment.IsPrivilegedProcess
            ? await AgentProcess.RunRawAsync("nice", ["-n", "-10", .. qemu], environment, QemuTimeout)
            : await AgentProcess.RunRawAsync(Qemu, qemu[1..], environment, QemuTimeout);
        TestContext.Current.SendDiagnosticMessage($"arm64 under qemu: ipv6-agent {string.Join(' ', args.Where(a => a.StartsWith('-') || !a.Contains('/')))} took {watch.Elapsed.TotalSeconds:0.0} s");
        return result;
    }
}

/// <summary>The qemu runs want the CPU to themselves: after every parallel test of this module, one at a time.</summary>
[CollectionDefinition(nameof(Arm64Collection), DisableParallelization = true)]
public sealed class Arm64Collection;
