using Ipv6Agent.Packaging.Support;

namespace Ipv6Agent.Packaging;

/// <summary>
/// install.sh where systemd is not running: a chroot, as an image build may use. It refuses to
/// start a service there unless told --no-start, and then installs and enables without starting.
/// </summary>
public sealed class ChrootInstallTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("pk-chroot-").FullName;

    private string RootfsDir => Path.Combine(_work, "rootfs");

    public async ValueTask InitializeAsync()
    {
        await Rootfs.CopyToAsync(RootfsDir);
        var deb = await Packages.DebAsync(Packages.HostArch);
        File.Copy(deb, Path.Combine(RootfsDir, "root", Path.GetFileName(deb)));
        File.Copy(Repository.Path("install.sh"), Path.Combine(RootfsDir, "root/install.sh"));
    }

    public async ValueTask DisposeAsync() => await Rootfs.RemoveAsync(_work);

    [Fact]
    public async Task InstallSh_InAChrootWithoutNoStart_RefusesBecauseSystemdIsNotRunning()
    {
        var result = await InChrootAsync("/root/install.sh /root/*.deb");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("systemd is not running as init here", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(RootfsDir, "usr/bin/ipv6-agent")));
    }

    [Fact]
    public async Task InstallSh_InAChrootWithNoStart_InstallsAndEnablesForTheNextBoot()
    {
        var result = await InChrootAsync("/root/install.sh --no-start /root/*.deb");

        Assert.True(result.ExitCode == 0, result.Describe("install.sh --no-start in a chroot"));
        Assert.True(File.Exists(Path.Combine(RootfsDir, "usr/bin/ipv6-agent")));
        Assert.Equal(
            "/lib/systemd/system/ipv6-agent.service",
            new FileInfo(Path.Combine(RootfsDir, "etc/systemd/system/multi-user.target.wants/ipv6-agent.service")).LinkTarget);
        Assert.Contains("starts at the next boot", result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>A chroot with its own /proc, in a private mount namespace that vanishes with it.</summary>
    private Task<ProcessResult> InChrootAsync(string script) =>
        ProcessRun.RunAsync(
            "unshare",
            ["--mount", "--propagation", "private", "--fork", "/bin/sh", "-c",
             $"mount -t proc proc '{RootfsDir}/proc' && mount --bind /dev '{RootfsDir}/dev' && exec chroot '{RootfsDir}' /bin/sh -c '{script}'"],
            TimeSpan.FromMinutes(3));
}
