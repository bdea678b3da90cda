using System.Text.RegularExpressions;
using Ipv6Agent.Packaging.Support;

namespace Ipv6Agent.Packaging;

/// <summary>What build-deb.sh puts in the .deb, for both architectures, without installing it.</summary>
public sealed class DebPackageTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Theory]
    [InlineData("amd64")]
    [InlineData("arm64")]
    public async Task Deb_Contents_AreTheBinaryTheUnitAndTheConfigAsAConffile(string arch)
    {
        var deb = await Packages.DebAsync(arch);

        var list = await ProcessRun.RunAsync("dpkg-deb", ["-c", deb], Minute);
        var conffiles = await ProcessRun.RunAsync("dpkg-deb", ["-I", deb, "conffiles"], Minute);
        var control = await ProcessRun.RunAsync("dpkg-deb", ["-f", deb, "Package", "Architecture", "Depends", "Recommends"], Minute);

        Assert.Matches(@"-rwxr-xr-x root/root .* \./usr/bin/ipv6-agent\n", list.Stdout);
        Assert.Matches(@"-rw-r--r-- root/root .* \./lib/systemd/system/ipv6-agent\.service\n", list.Stdout);
        Assert.Matches(@"-rw-r--r-- root/root .* \./etc/ipv6-agent/config\.yaml\n", list.Stdout);
        Assert.Equal("/etc/ipv6-agent/config.yaml", conffiles.Stdout.Trim());
        Assert.Contains($"Architecture: {arch}", control.Stdout, StringComparison.Ordinal);
        Assert.Contains("Recommends: docker.io | docker-ce, netplan.io", control.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("amd64", 0x3E)]
    [InlineData("arm64", 0xB7)]
    public async Task Deb_Binary_IsANativeElfForItsArchitecture_NeedingOnlyLibc(string arch, int elfMachine)
    {
        var deb = await Packages.DebAsync(arch);
        var folder = Directory.CreateTempSubdirectory("pk-x-").FullName;
        try
        {
            var extract = await ProcessRun.RunAsync("dpkg-deb", ["-x", deb, folder], Minute);
            Assert.True(extract.ExitCode == 0, extract.Describe("dpkg-deb -x"));
            var binary = Path.Combine(folder, "usr/bin/ipv6-agent");
            var header = new byte[20];
            await using (var stream = File.OpenRead(binary))
            {
                await stream.ReadExactlyAsync(header, TestContext.Current.CancellationToken);
            }

            Assert.Equal("\u007fELF"u8.ToArray(), header[..4]);
            Assert.Equal(elfMachine, header[18] | (header[19] << 8));
            // ET_EXEC, not a PIE: nothing to relocate or rehydrate at start (see src/Ipv6Agent/Ipv6Agent.csproj), which is
            // what keeps `status` and `version` within milliseconds.
            Assert.Equal(2, header[16] | (header[17] << 8));
            // Self-contained: one file, no shared framework beside it.
            Assert.Equal(["ipv6-agent"], Directory.GetFiles(Path.GetDirectoryName(binary)!).Select(Path.GetFileName));
            // Native (NativeAOT): it links only libc (what the package Depends on), no runtime is unpacked at start, and it
            // stays small (a self-contained single-file ReadyToRun build was ~100 MB).
            var dynamic = await ProcessRun.RunAsync("readelf", ["-d", binary], Minute);
            var needed = Regex.Matches(dynamic.Stdout, @"\(NEEDED\)\s+Shared library: \[([^\]]+)\]").Select(m => m.Groups[1].Value).ToList();
            Assert.NotEmpty(needed);
            Assert.All(needed, library => Assert.Matches(@"^(libc\.so\.6|libm\.so\.6|libdl\.so\.2|librt\.so\.1|libpthread\.so\.0|ld-linux-[\w-]+\.so\.\d)$", library));
            Assert.InRange(new FileInfo(binary).Length, 1, 30L * 1024 * 1024);
            // Linked against Debian 11's glibc (packaging/sysroot.sh): nothing newer than 2.31, or Ubuntu 20.04 could not start it.
            var versions = await ProcessRun.RunAsync("readelf", ["-V", "--wide", binary], Minute);
            var glibc = Regex.Matches(versions.Stdout, @"Name: GLIBC_([\d.]+)").Select(m => Version.Parse(m.Groups[1].Value)).ToList();
            Assert.NotEmpty(glibc);
            Assert.True(glibc.Max() <= new Version(2, 31), $"needs GLIBC_{glibc.Max()}");
            var depends = await ProcessRun.RunAsync("dpkg-deb", ["-f", deb, "Depends"], Minute);
            Assert.Equal("libc6, iproute2, nftables", depends.Stdout.Trim());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Deb_Version_ComesFromGitDescribe_AndTheBinarySaysIt()
    {
        var describe = (await ProcessRun.RunAsync("git", ["-C", Repository.Root, "describe", "--tags", "--always", "--dirty"], Minute)).Stdout.Trim();
        var deb = await Packages.DebAsync(Packages.HostArch);
        var folder = Directory.CreateTempSubdirectory("pk-x-").FullName;
        try
        {
            await ProcessRun.RunAsync("dpkg-deb", ["-x", deb, folder], Minute);
            var version = await ProcessRun.RunAsync(Path.Combine(folder, "usr/bin/ipv6-agent"), ["version"], Minute);
            var debVersion = (await ProcessRun.RunAsync("dpkg-deb", ["-f", deb, "Version"], Minute)).Stdout.Trim();

            Assert.True(version.ExitCode == 0, version.Describe("ipv6-agent version"));
            Assert.Contains(describe, version.Stdout, StringComparison.Ordinal);
            var hash = Regex.Match(describe, "[0-9a-f]{7,}").Value;
            Assert.Contains(hash, debVersion, StringComparison.Ordinal);
            Assert.Equal(describe.EndsWith("-dirty", StringComparison.Ordinal), debVersion.EndsWith(".dirty", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task DefaultConfig_EveryContractKey_IsDocumentedAndTheFileSetsNothing()
    {
        var text = await File.ReadAllTextAsync(Repository.Path("packaging", "config.yaml"), TestContext.Current.CancellationToken);
        string[] keys = ["root", "imds", "endpoint", "interface", "addressing", "apt", "fix-mirrors", "probe", "image", "targets", "reconcile", "interval", "commands", "netplan-apply", "docker-restart", "provision", "ec2"];

        foreach (var key in keys)
        {
            Assert.Matches(new Regex($@"^\s*#\s*{Regex.Escape(key)}:", RegexOptions.Multiline), text);
        }

        Assert.DoesNotMatch(new Regex(@"^\s*[a-z-]+:", RegexOptions.Multiline), text);
    }
}
