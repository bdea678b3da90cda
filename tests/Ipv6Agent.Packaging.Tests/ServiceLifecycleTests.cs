using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Ipv6Agent.Packaging.Support;

namespace Ipv6Agent.Packaging;

/// <summary>
/// The agent's life on a host, in order: installed through install.sh, ready through sd_notify,
/// queried, reloaded, killed and restarted, reinstalled, refused, removed, installed from a URL,
/// purged. The tests share one booted container and run in the order of their steps.
/// </summary>
[TestCaseOrderer(typeof(StepOrderer))]
public sealed class ServiceLifecycleTests(BootedAgent agent, ITestOutputHelper output) : IClassFixture<BootedAgent>
{
    private const string Unit = "ipv6-agent.service";

    private NspawnMachine Machine => agent.Machine;

    [Fact, Step(10)]
    public void InstallSh_LocalDeb_InstallsAndWaitsForTheFirstPass()
    {
        output.WriteLine($"boot {Machine.BootTime.TotalSeconds:F1} s; install.sh {agent.Install.Elapsed.TotalSeconds:F1} s");
        Assert.True(agent.Install.ExitCode == 0, agent.Install.Describe("install.sh"));
        Assert.Contains("ipv6-agent-install: installing ipv6-agent", agent.Install.Stderr, StringComparison.Ordinal);
        Assert.Contains("ipv6-agent-install: waiting for the first pass", agent.Install.Stderr, StringComparison.Ordinal);
    }

    [Fact, Step(20)]
    public async Task UnitFile_SystemdAnalyzeVerify_IsClean()
    {
        var verify = await Machine.ExecAsync("systemd-analyze", "verify", "/lib/systemd/system/ipv6-agent.service");

        Assert.True(verify.ExitCode == 0 && verify.Stdout.Trim().Length == 0 && verify.Stderr.Trim().Length == 0, verify.Describe("systemd-analyze verify"));
    }

    [Fact, Step(30)]
    public async Task Service_WithoutImds_BecomesActiveThroughNotifyAndSaysFailed()
    {
        Assert.Equal("notify", await agent.UnitPropertyAsync("Type"));
        Assert.Equal("active", await agent.UnitPropertyAsync("ActiveState"));
        Assert.Equal("running", await agent.UnitPropertyAsync("SubState"));
        Assert.Equal("enabled", (await Machine.ExecAsync("systemctl", "is-enabled", Unit)).Stdout.Trim());
        var statusText = await agent.UnitPropertyAsync("StatusText");
        output.WriteLine($"StatusText={statusText}");
        Assert.Contains("failed", statusText, StringComparison.OrdinalIgnoreCase);
    }

    [Fact, Step(40)]
    public async Task Status_AfterAFailedPass_ExitsTwoWithTheReportInMilliseconds()
    {
        var times = new List<double>();
        ProcessResult text = null!;
        for (var i = 0; i < 5; i++)
        {
            text = await Machine.ExecAsync("ipv6-agent", "status");
            times.Add(text.Elapsed.TotalMilliseconds);
        }

        var json = await Machine.ExecAsync("ipv6-agent", "status", "--json");
        output.WriteLine($"ipv6-agent status, 5 runs through nsenter: {string.Join(", ", times.Select(t => $"{t:F0}"))} ms");
        output.WriteLine(text.Stdout);

        Assert.True(text.ExitCode == 2, text.Describe("ipv6-agent status"));
        Assert.Contains("journalctl -u ipv6-agent", text.Stdout + text.Stderr, StringComparison.Ordinal);
        Assert.True(json.ExitCode == 2, json.Describe("ipv6-agent status --json"));
        using var report = JsonDocument.Parse(json.Stdout);
        Assert.Equal("failed", report.RootElement.GetProperty("result").GetString());
        Assert.False(string.IsNullOrWhiteSpace(report.RootElement.GetProperty("error").GetString()));
        Assert.True(times.Min() < 1000, $"status took {times.Min():F0} ms at best");
    }

    [Fact, Step(50)]
    public async Task Journal_AgentLines_CarryTheirSyslogPriorities()
    {
        var journal = await Machine.ExecAsync("journalctl", "-u", Unit, "-o", "json", "--no-pager");
        var lines = journal.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.TryGetProperty("SYSLOG_IDENTIFIER", out var id) && id.GetString() == "ipv6-agent")
            .Select(e => (Priority: int.Parse(e.GetProperty("PRIORITY").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                          Message: e.TryGetProperty("MESSAGE", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : ""))
            .ToList();
        foreach (var (priority, message) in lines)
        {
            output.WriteLine($"<{priority}> {message}");
        }

        Assert.NotEmpty(lines);
        Assert.Contains(lines, l => l.Priority <= 4);
        Assert.Contains(lines, l => l.Priority == 6);
        Assert.DoesNotContain(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l.Message, @"^<\d>"));
    }

    [Fact, Step(60)]
    public async Task Config_WrittenBeforeTheInstall_IsKeptAndIsAConffile()
    {
        var config = await File.ReadAllTextAsync(Machine.HostPath("/etc/ipv6-agent/config.yaml"), TestContext.Current.CancellationToken);
        var conffiles = await Machine.ExecAsync("dpkg-query", "-W", "-f=${Conffiles}", "ipv6-agent");

        Assert.Equal(BootedAgent.PreWrittenConfig, config);
        Assert.Contains("/etc/ipv6-agent/config.yaml", conffiles.Stdout, StringComparison.Ordinal);
    }

    [Fact, Step(70)]
    public async Task Reload_Sighup_RunsAPassNow()
    {
        var before = await ReportTimeAsync();
        var reload = await Machine.ExecAsync("systemctl", "reload", Unit);
        Assert.True(reload.ExitCode == 0, reload.Describe("systemctl reload"));

        var after = before;
        var watch = Stopwatch.StartNew();
        while (after == before && watch.Elapsed < TimeSpan.FromSeconds(45))
        {
            await Task.Delay(250, TestContext.Current.CancellationToken);
            after = await ReportTimeAsync();
        }

        output.WriteLine($"report time {before:O} -> {after:O} after {watch.Elapsed.TotalSeconds:F1} s");
        Assert.True(after > before, "no new report within 45 s of SIGHUP");
    }

    [Fact, Step(80)]
    public async Task Service_KilledWithSigkill_IsRestartedAndReadyAgain()
    {
        var pid = await agent.UnitPropertyAsync("MainPID");
        var restarts = int.Parse(await agent.UnitPropertyAsync("NRestarts"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotEqual("0", pid);

        var kill = await Machine.ShAsync($"kill -9 {pid}");
        Assert.True(kill.ExitCode == 0, kill.Describe("kill -9"));

        var watch = Stopwatch.StartNew();
        string newPid = pid, state = "";
        while (watch.Elapsed < TimeSpan.FromSeconds(90))
        {
            await Task.Delay(500, TestContext.Current.CancellationToken);
            newPid = await agent.UnitPropertyAsync("MainPID");
            state = await agent.UnitPropertyAsync("ActiveState");
            if (state == "active" && newPid != pid && newPid != "0")
            {
                break;
            }
        }

        output.WriteLine($"pid {pid} -> {newPid}, {state} after {watch.Elapsed.TotalSeconds:F1} s");
        Assert.Equal("active", state);
        Assert.NotEqual(pid, newPid);
        Assert.Equal(restarts + 1, int.Parse(await agent.UnitPropertyAsync("NRestarts"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact, Step(90)]
    public async Task InstallSh_SameVersionAgain_ChangesNothing()
    {
        var pid = await agent.UnitPropertyAsync("MainPID");
        var again = await Machine.ExecAsync(TimeSpan.FromMinutes(3), $"{BootedAgent.PkgDir}/install.sh", "--wait", "120", BootedAgent.InContainer(agent.HostDeb));

        Assert.True(again.ExitCode == 0, again.Describe("install.sh again"));
        Assert.Contains("is already installed", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(pid, await agent.UnitPropertyAsync("MainPID"));
    }

    [Fact, Step(100)]
    public async Task InstallSh_OtherArchitecture_RefusesAndSaysWhich()
    {
        var wrong = await Machine.ExecAsync($"{BootedAgent.PkgDir}/install.sh", BootedAgent.InContainer(agent.OtherArchDeb));

        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains($"wrong architecture: this .deb is for {Packages.OtherArch} but this host is {Packages.HostArch}", wrong.Stderr, StringComparison.Ordinal);
        Assert.Equal("active", await agent.UnitPropertyAsync("ActiveState"));
    }

    [Fact, Step(105)]
    public async Task InstallSh_NotRoot_Refuses()
    {
        await Machine.ExecAsync("install", "-m", "0755", $"{BootedAgent.PkgDir}/install.sh", "/usr/local/bin/pk-install.sh");
        var nobody = await Machine.ExecAsync("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/local/bin/pk-install.sh", "/nonexistent.deb");

        Assert.Equal(1, nobody.ExitCode);
        Assert.Contains("must run as root", nobody.Stderr, StringComparison.Ordinal);
    }

    [Fact, Step(106)]
    public async Task InstallSh_UrlWithAWrongSha256_RefusesToInstall()
    {
        await StartHttpServerAsync();
        var wrongSum = new string('0', 64);
        var url = $"http://127.0.0.1:8000/{Path.GetFileName(agent.HostDeb)}";

        var refused = await Machine.ExecAsync("/usr/local/bin/pk-install.sh", "--sha256", wrongSum, url);
        var noSum = await Machine.ExecAsync("/usr/local/bin/pk-install.sh", url);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("SHA-256 mismatch", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(64, noSum.ExitCode);
        Assert.Contains("a URL needs --sha256", noSum.Stderr, StringComparison.Ordinal);
    }

    [Fact, Step(110)]
    public async Task Uninstall_RemovesTheServiceAndLeavesTheHostNetworkAsItIs()
    {
        await PlantAgentOutputAsync();
        var removed = await Machine.ExecAsync(TimeSpan.FromMinutes(2), $"{BootedAgent.PkgDir}/install.sh", "--uninstall");

        Assert.True(removed.ExitCode == 0, removed.Describe("install.sh --uninstall"));
        Assert.Equal("not-found", await agent.UnitPropertyAsync("LoadState"));
        Assert.False(File.Exists(Machine.HostPath("/usr/bin/ipv6-agent")));
        Assert.False(File.Exists(Machine.HostPath("/etc/systemd/system/multi-user.target.wants/ipv6-agent.service")));
        Assert.Empty(await AgentProcessesAsync());
        Assert.Equal("deinstall ok config-files", (await Machine.ExecAsync("dpkg-query", "-W", "-f=${Status}", "ipv6-agent")).Stdout.Trim());
        Assert.Equal(BootedAgent.PreWrittenConfig, await File.ReadAllTextAsync(Machine.HostPath("/etc/ipv6-agent/config.yaml"), TestContext.Current.CancellationToken));
        await AssertAgentOutputStaysAsync();
    }

    [Fact, Step(120)]
    public async Task InstallSh_TarballUrlWithItsSha256_InstallsAgain()
    {
        var sum = await ReleaseTarballAsync();
        await StartHttpServerAsync();

        var install = await Machine.ExecAsync(TimeSpan.FromMinutes(5), "/usr/local/bin/pk-install.sh", "--wait", "240", "--sha256", sum, "http://127.0.0.1:8000/ipv6-agent.tar.gz");

        output.WriteLine(install.Stderr);
        Assert.True(install.ExitCode == 0, install.Describe("install.sh URL"));
        Assert.Equal("active", await agent.UnitPropertyAsync("ActiveState"));
        Assert.Equal(BootedAgent.PreWrittenConfig, await File.ReadAllTextAsync(Machine.HostPath("/etc/ipv6-agent/config.yaml"), TestContext.Current.CancellationToken));
    }

    [Fact, Step(125)]
    public async Task CloudInitUserData_Runcmd_ChecksTheTarballAndRunsInstallShFromIt()
    {
        var sum = await ReleaseTarballAsync();
        await StartHttpServerAsync();
        var userData = await File.ReadAllTextAsync(Repository.Path("packaging", "cloud-init", "user-data.yaml"), TestContext.Current.CancellationToken);
        // The first runcmd entry is the YAML block scalar after "runcmd:"; its lines are indented 4.
        var block = System.Text.RegularExpressions.Regex.Match(userData, @"runcmd:\n(?:\s*#.*\n)*  - \|\n((?:    .*\n)+)").Groups[1].Value;
        var script = string.Join('\n', block.Split('\n').Select(l => l.Length >= 4 ? l[4..] : l))
            .Replace(">>> https://example.invalid/releases/ipv6-agent_VERSION.tar.gz <<<", "http://127.0.0.1:8000/ipv6-agent.tar.gz", StringComparison.Ordinal)
            .Replace(">>> SHA-256 OF THAT TARBALL <<<", sum, StringComparison.Ordinal);
        Assert.Contains("sha256sum --check", script, StringComparison.Ordinal);

        var run = await Machine.ExecAsync(TimeSpan.FromMinutes(5), "/bin/sh", "-c", script);
        var status = await Machine.ShAsync("ipv6-agent status || echo 'ipv6-agent: see journalctl -u ipv6-agent'");

        Assert.True(run.ExitCode == 0, run.Describe("user-data runcmd"));
        Assert.Contains("is already installed", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("see journalctl -u ipv6-agent", status.Stdout, StringComparison.Ordinal);
    }

    [Fact, Step(130)]
    public async Task UninstallPurge_RemovesTheAgentsOwnStateOnly()
    {
        await PlantAgentOutputAsync();
        var purged = await Machine.ExecAsync(TimeSpan.FromMinutes(2), $"{BootedAgent.PkgDir}/install.sh", "--uninstall", "--purge");
        var again = await Machine.ExecAsync($"{BootedAgent.PkgDir}/install.sh", "--uninstall");

        Assert.True(purged.ExitCode == 0, purged.Describe("install.sh --uninstall --purge"));
        Assert.False(Directory.Exists(Machine.HostPath("/etc/ipv6-agent")));
        Assert.False(Directory.Exists(Machine.HostPath("/var/lib/ipv6-agent")));
        Assert.False((await Machine.ExecAsync("test", "-e", "/run/ipv6-agent")).ExitCode == 0, "/run/ipv6-agent is still there");
        Assert.Equal("", (await Machine.ExecAsync("dpkg-query", "-W", "-f=${Status}", "ipv6-agent")).Stdout.Trim().Replace("unknown ok not-installed", "", StringComparison.Ordinal));
        Assert.Empty(await AgentProcessesAsync());
        await AssertAgentOutputStaysAsync();
        Assert.True(again.ExitCode == 0, again.Describe("install.sh --uninstall on a clean host"));
        Assert.Contains("not installed; nothing to do", again.Stderr, StringComparison.Ordinal);
    }

    /// <summary>A release tarball as build-release.sh lays it out, served from the packages folder; returns its SHA-256.</summary>
    private async Task<string> ReleaseTarballAsync()
    {
        var tarball = Machine.HostPath($"{BootedAgent.PkgDir}/ipv6-agent.tar.gz");
        if (!File.Exists(tarball))
        {
            var stage = Directory.CreateTempSubdirectory("pk-release-").FullName;
            try
            {
                File.Copy(agent.HostDeb, Path.Combine(stage, Path.GetFileName(agent.HostDeb)));
                File.Copy(agent.OtherArchDeb, Path.Combine(stage, Path.GetFileName(agent.OtherArchDeb)));
                File.Copy(Repository.Path("install.sh"), Path.Combine(stage, "install.sh"));
                // Member names as build-release.sh writes them: bare, no "./" (runcmd extracts "install.sh").
                var tar = await ProcessRun.RunAsync(
                    "tar", ["-czf", tarball, "-C", stage, "install.sh", Path.GetFileName(agent.HostDeb), Path.GetFileName(agent.OtherArchDeb)], TimeSpan.FromMinutes(1));
                Assert.True(tar.ExitCode == 0, tar.Describe("tar"));
            }
            finally
            {
                Directory.Delete(stage, recursive: true);
            }
        }

        return Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(tarball, TestContext.Current.CancellationToken)));
    }

    private async Task<DateTimeOffset> ReportTimeAsync()
    {
        var json = await Machine.ExecAsync("ipv6-agent", "status", "--json");
        using var report = JsonDocument.Parse(json.Stdout);
        return report.RootElement.GetProperty("time").GetDateTimeOffset();
    }

    /// <summary>Serves the packages folder on the container's loopback (it has no other network).</summary>
    private async Task StartHttpServerAsync()
    {
        if ((await Machine.ExecAsync("systemctl", "is-active", "pk-http.service")).Stdout.Trim() == "active")
        {
            return;
        }

        var start = await Machine.ExecAsync(
            "systemd-run", "--unit", "pk-http", "--property", "Type=exec",
            "python3", "-m", "http.server", "--bind", "127.0.0.1", "--directory", BootedAgent.PkgDir, "8000");
        Assert.True(start.ExitCode == 0, start.Describe("systemd-run http.server"));
        for (var i = 0; i < 50 && (await Machine.ExecAsync("curl", "-sf", "-o", "/dev/null", "http://127.0.0.1:8000/")).ExitCode != 0; i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Stand-ins for what a converged agent leaves in the host's network configuration.</summary>
    private async Task PlantAgentOutputAsync()
    {
        Directory.CreateDirectory(Machine.HostPath("/etc/netplan"));
        Directory.CreateDirectory(Machine.HostPath("/etc/docker"));
        await File.WriteAllTextAsync(Machine.HostPath("/etc/netplan/60-ipv6-agent.yaml"), "network: {version: 2}\n");
        await File.WriteAllTextAsync(Machine.HostPath("/etc/docker/daemon.json"), "{\"ipv6\": true}\n");
    }

    private async Task AssertAgentOutputStaysAsync()
    {
        Assert.Equal("network: {version: 2}\n", await File.ReadAllTextAsync(Machine.HostPath("/etc/netplan/60-ipv6-agent.yaml"), TestContext.Current.CancellationToken));
        Assert.Equal("{\"ipv6\": true}\n", await File.ReadAllTextAsync(Machine.HostPath("/etc/docker/daemon.json"), TestContext.Current.CancellationToken));
    }

    private async Task<string[]> AgentProcessesAsync()
    {
        var ps = await Machine.ShAsync("for c in /proc/[0-9]*/comm; do [ \"$(cat $c 2>/dev/null)\" = ipv6-agent ] && echo $c; done; true");
        return ps.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
