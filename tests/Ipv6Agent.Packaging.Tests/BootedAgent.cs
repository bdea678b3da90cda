using Ipv6Agent.Packaging.Support;

namespace Ipv6Agent.Packaging;

/// <summary>
/// One booted Debian container with ipv6-agent installed through install.sh, the way cloud-init
/// does it: the configuration is written first, then the .deb is installed. There is no IMDS in
/// the container, so the agent's first pass fails; the service must still become ready.
/// </summary>
public sealed class BootedAgent : IAsyncLifetime
{
    /// <summary>What cloud-init's write_files put in place before the package came.</summary>
    public const string PreWrittenConfig = "# written before the package, as cloud-init does\nreconcile:\n  interval: 1m\n";

    private readonly string _work = Directory.CreateTempSubdirectory("pk-boot-").FullName;
    private NspawnMachine? _machine;

    internal NspawnMachine Machine => _machine ?? throw new InvalidOperationException("the container did not boot");

    internal string HostDeb { get; private set; } = "";

    internal string OtherArchDeb { get; private set; } = "";

    /// <summary>Where the packages and install.sh are inside the container.</summary>
    internal const string PkgDir = "/root/pkg";

    internal ProcessResult Install { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        try
        {
            HostDeb = await Packages.DebAsync(Packages.HostArch);
            OtherArchDeb = await Packages.DebAsync(Packages.OtherArch);
            var rootfs = Path.Combine(_work, "rootfs");
            await Rootfs.CopyToAsync(rootfs);

            var pkg = Path.Combine(rootfs, PkgDir.TrimStart('/'));
            Directory.CreateDirectory(pkg);
            File.Copy(HostDeb, Path.Combine(pkg, Path.GetFileName(HostDeb)));
            File.Copy(OtherArchDeb, Path.Combine(pkg, Path.GetFileName(OtherArchDeb)));
            File.Copy(Repository.Path("install.sh"), Path.Combine(pkg, "install.sh"));
            Directory.CreateDirectory(Path.Combine(rootfs, "etc/ipv6-agent"));
            await File.WriteAllTextAsync(Path.Combine(rootfs, "etc/ipv6-agent/config.yaml"), PreWrittenConfig);

            _machine = await NspawnMachine.BootAsync(
                $"pk-{Environment.ProcessId}-{Random.Shared.Next(1000)}", rootfs, Path.Combine(_work, "console.log"), TimeSpan.FromSeconds(60));

            try
            {
                Install = await Machine.ExecAsync(TimeSpan.FromMinutes(5), $"{PkgDir}/install.sh", "--wait", "240", InContainer(HostDeb));
            }
            catch (TimeoutException e)
            {
                // The first test reports it; the others then say what state the service is in.
                Install = new ProcessResult(-1, "", e.Message, TimeSpan.FromMinutes(5));
            }
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>The container path of a package copied into <see cref="PkgDir"/>.</summary>
    internal static string InContainer(string hostDeb) => $"{PkgDir}/{Path.GetFileName(hostDeb)}";

    /// <summary>One property of the agent's unit as systemd sees it now.</summary>
    internal async Task<string> UnitPropertyAsync(string property)
    {
        var show = await Machine.ExecAsync("systemctl", "show", "--value", "-p", property, "ipv6-agent.service");
        return show.Stdout.Trim();
    }

    public async ValueTask DisposeAsync()
    {
        if (_machine is not null)
        {
            await _machine.DisposeAsync();
            _machine = null;
        }

        await Rootfs.RemoveAsync(_work);
    }
}
