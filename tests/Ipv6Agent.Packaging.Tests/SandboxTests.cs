using Ipv6Agent.Packaging.Support;

namespace Ipv6Agent.Packaging;

/// <summary>
/// The unit's hardening lets the agent's own work through and nothing else: a oneshot unit with
/// every sandbox line of ipv6-agent.service runs `netplan apply`, restarts a service through
/// systemctl, writes the paths the agent owns and is refused everywhere else. Runs in a booted
/// container with systemd-networkd on its private network.
/// </summary>
public sealed class SandboxTests(SandboxRun run) : IClassFixture<SandboxRun>
{
    [Theory]
    [InlineData("write /etc/netplan")]
    [InlineData("write /etc/docker")]
    [InlineData("write /etc/apt/sources.list.d")]
    [InlineData("write /etc/sysctl.d")]
    [InlineData("write /var/lib/ipv6-agent")]
    [InlineData("write /run/ipv6-agent")]
    [InlineData("sysctl /proc/sys/net/ipv6")]
    [InlineData("netplan apply")]
    [InlineData("pkbr0 has 2001:db8:5a::1")]
    [InlineData("systemctl restart")]
    [InlineData("write /usr/local")]
    [InlineData("write /etc")]
    [InlineData("read /root")]
    [InlineData("rename in /etc/apt")]
    [InlineData("write /etc/apt/apt.conf.d")]
    [InlineData("write /etc/apt/trusted.gpg.d")]
    [InlineData("write /run")]
    [InlineData("write /run/systemd")]
    [InlineData("write /run/lock")]
    [InlineData("write /run/systemd/network")]
    [InlineData("write /run/systemd/system")]
    [InlineData("write /run/udev/rules.d")]
    [InlineData("write /run/netplan")]
    [InlineData("icmpv6 echo")]
    [InlineData("netplan wrote a udev rule and a .link")]
    public void Sandbox_Check_Passes(string check)
    {
        Assert.True(run.Start.ExitCode == 0, run.Start.Describe("systemctl start pk-sandbox") + "\n" + run.Output);
        Assert.True(run.Output.Contains($"ok {check}\n", StringComparison.Ordinal), run.Output);
    }
}

/// <summary>One booted container in which the sandboxed check unit ran once.</summary>
public sealed class SandboxRun : IAsyncLifetime
{
    /// <summary>Lines that are about the service's lifecycle, not its sandbox.</summary>
    private static readonly string[] LifecycleKeys =
        ["Type", "NotifyAccess", "ExecStart", "ExecReload", "TimeoutStartSec", "TimeoutStopSec", "WatchdogSec", "Restart", "RestartSec", "RestartPreventExitStatus"];

    private readonly string _work = Directory.CreateTempSubdirectory("pk-sandbox-").FullName;
    private NspawnMachine? _machine;
    internal ProcessResult Start { get; private set; } = null!;

    internal string Output { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var rootfs = Path.Combine(_work, "rootfs");
        await Rootfs.CopyToAsync(rootfs);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Sandbox", "sandbox-check.sh"), Path.Combine(rootfs, "usr/local/lib/pk-sandbox-check.sh"));
        await File.WriteAllTextAsync(Path.Combine(rootfs, "etc/systemd/system/pk-sandbox.service"), SandboxUnit());
        try
        {
            _machine = await NspawnMachine.BootAsync($"pk-sb-{Environment.ProcessId}", rootfs, Path.Combine(_work, "console.log"), TimeSpan.FromSeconds(60), writableSysfs: true);
            Start = await _machine.ExecAsync(TimeSpan.FromMinutes(2), "systemctl", "start", "pk-sandbox.service");
            Output = (await _machine.ExecAsync("journalctl", "-u", "pk-sandbox.service", "-o", "cat", "--no-pager")).Stdout;
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_machine is not null)
        {
            await _machine.DisposeAsync();
        }

        await Rootfs.RemoveAsync(_work);
    }

    /// <summary>ipv6-agent.service's [Service] sandbox, around the check script instead of the agent.</summary>
    private static string SandboxUnit()
    {
        var unit = File.ReadAllLines(Repository.Path("packaging", "systemd", "ipv6-agent.service"));
        var service = unit
            .SkipWhile(l => l != "[Service]").Skip(1)
            .TakeWhile(l => !l.StartsWith('['))
            .Where(l => l.Length > 0 && !l.StartsWith('#') && !LifecycleKeys.Contains(l.Split('=')[0]));
        return string.Join('\n', ["[Service]", "Type=oneshot", "ExecStart=/bin/sh /usr/local/lib/pk-sandbox-check.sh", .. service]) + "\n";
    }
}
