using Ipv6Agent.Configuration;
using Ipv6Agent.Inspecting;
using Ipv6Agent.Rendering;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv6Agent.Applying;

/// <summary>
/// Files planted under <c>root:</c> by someone else (issue 8, item 12): links that point outside the root (absolute, as a chroot
/// sees them, or climbing with <c>..</c>), links inside it, FIFOs and directories where a file should be. Every read and write
/// stays inside the root, a link stays a link, and nothing blocks.
/// </summary>
public sealed class HostileFileTests : IDisposable
{
    private const UnixFileMode Mode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>A file outside every scratch root: what a link that escapes would reach.</summary>
    private readonly string _outside = Path.Join(Path.GetTempPath(), $"vf-outside-{Guid.NewGuid():N}");

    public HostileFileTests() => File.WriteAllText(_outside, "the running host's file\n");

    public void Dispose() => File.Delete(_outside);

    [Theory]
    [InlineData("/etc/netplan/50-cloud-init.yaml")] // the file itself is the link
    [InlineData("/etc/netplan")] // a directory on the way is
    public void Write_AbsoluteLinkUnderAChrootRoot_StaysInsideTheRoot(string linked)
    {
        using var root = new ScratchRoot();
        // Absolute, as on the host being set up: a chroot resolves it under the root, so must the agent.
        var target = linked == "/etc/netplan" ? Path.GetDirectoryName(_outside)! : _outside;
        root.Link(linked, target);
        var hostPath = linked == "/etc/netplan" ? "/etc/netplan/" + Path.GetFileName(_outside) : linked;

        new AtomicFileWriter(root.Path).Write(hostPath, "network: {}\n", Mode0600);

        Assert.Equal("the running host's file\n", File.ReadAllText(_outside));
        Assert.Equal("network: {}\n", File.ReadAllText(root.Full(_outside)));
        Assert.NotNull(new FileInfo(root.Full(linked)).LinkTarget);
    }

    [Theory]
    [InlineData("../../../../../../../../../..{0}")]
    [InlineData("../../..{0}")]
    [InlineData("/../..{0}")]
    public void Write_LinkClimbingOutOfTheRoot_IsRefusedAndTouchesNothing(string format)
    {
        using var root = new ScratchRoot();
        var link = root.Link("/etc/netplan/50-cloud-init.yaml", string.Format(System.Globalization.CultureInfo.InvariantCulture, format, _outside));

        var error = Assert.Throws<OutsideRootException>(() =>
            new AtomicFileWriter(root.Path).Write("/etc/netplan/50-cloud-init.yaml", "network: {}\n", Mode0600));

        Assert.Contains("/etc/netplan/50-cloud-init.yaml", error.Message);
        Assert.Contains("leads outside the root", error.Message);
        Assert.Equal("the running host's file\n", File.ReadAllText(_outside));
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.False(Directory.Exists(root.Full(FileBackups.HostDirectory)) &&
                     Directory.EnumerateFiles(root.Full(FileBackups.HostDirectory), "*", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public void Read_LinkOutOfTheRoot_IsRefusedNotRead()
    {
        using var root = new ScratchRoot();
        root.Link("/etc/docker/daemon.json", "../../../../../../../../.." + _outside);

        var error = Assert.Throws<OutsideRootException>(() => HostFile.ReadText(root.Path, "/etc/docker/daemon.json"));
        Assert.Contains("leads outside the root", error.Message);
    }

    [Fact]
    public void Read_AbsoluteLink_ReadsTheFileInsideTheRoot()
    {
        using var root = new ScratchRoot();
        root.Put("/srv/daemon.json", "{}\n");
        root.Link("/etc/docker/daemon.json", "/srv/daemon.json");
        root.Link("/etc/apt/sources.list", _outside); // absolute: the root has no such file

        Assert.Equal("{}\n", HostFile.ReadText(root.Path, "/etc/docker/daemon.json"));
        Assert.Null(HostFile.ReadText(root.Path, "/etc/apt/sources.list"));
    }

    [Fact]
    public void Resolve_LinkLoop_IsRefusedNotFollowedForEver()
    {
        using var root = new ScratchRoot();
        root.Link("/etc/a", "b");
        root.Link("/etc/b", "/etc/a");

        var error = Assert.Throws<OutsideRootException>(() => RootedPath.Resolve(root.Path, "/etc/a/x"));
        Assert.Contains("too many levels of symbolic links", error.Message);
    }

    [Fact]
    public void Resolve_RelativeLinksInsideTheRoot_AreFollowedAsTheKernelWould()
    {
        using var root = new ScratchRoot();
        root.Put("/usr/share/netplan/base.yaml", "x");
        root.Link("/etc/netplan", "../usr/share/netplan");
        root.Link("/usr/share/netplan/50.yaml", "./base.yaml");

        Assert.Equal(root.Full("/usr/share/netplan/base.yaml"), RootedPath.Resolve(root.Path, "/etc/netplan/50.yaml"));
        Assert.Equal(root.Full("/usr/share/netplan/50.yaml"), RootedPath.Resolve(root.Path, "/etc/netplan/50.yaml", followFinalLink: false));
    }

    [Fact]
    public void DeleteThenRestore_Link_PutsTheLinkBackNotAPlainFile()
    {
        using var root = new ScratchRoot();
        root.Put("/usr/lib/netplan/50.yaml", "network: {}\n", Mode0600);
        var link = root.Link("/etc/netplan/50-cloud-init.yaml", "../../usr/lib/netplan/50.yaml");
        var writer = new AtomicFileWriter(root.Path);

        writer.Delete("/etc/netplan/50-cloud-init.yaml");
        Assert.False(File.Exists(link) || new FileInfo(link).LinkTarget is not null);
        Assert.Equal("network: {}\n", File.ReadAllText(root.Full("/usr/lib/netplan/50.yaml"))); // the linked file stays

        Assert.True(writer.Backups.Restore("/etc/netplan/50-cloud-init.yaml", writer));

        Assert.Equal("../../usr/lib/netplan/50.yaml", new FileInfo(link).LinkTarget);
        Assert.Equal("network: {}\n", File.ReadAllText(link));
    }

    [Fact]
    public void WriteThenRestore_Link_PutsTheTextBackThroughTheLink()
    {
        using var root = new ScratchRoot();
        root.Put("/usr/lib/netplan/50.yaml", "original\n", Mode0600);
        var link = root.Link("/etc/netplan/50-cloud-init.yaml", "/usr/lib/netplan/50.yaml");
        var writer = new AtomicFileWriter(root.Path);

        writer.Write("/etc/netplan/50-cloud-init.yaml", "agent\n", Mode0600);
        writer.Delete("/etc/netplan/50-cloud-init.yaml");
        writer.Backups.Restore("/etc/netplan/50-cloud-init.yaml", writer);

        Assert.Equal("/usr/lib/netplan/50.yaml", new FileInfo(link).LinkTarget);
        Assert.Equal("original\n", File.ReadAllText(root.Full("/usr/lib/netplan/50.yaml")));
    }

    [Fact]
    public async Task FifoWhereAFileShouldBe_IsRefusedAtOnce_ReadWriteAndDelete()
    {
        using var root = new ScratchRoot();
        root.Fifo("/etc/docker/daemon.json");
        root.Fifo("/etc/netplan/50-cloud-init.yaml");
        var writer = new AtomicFileWriter(root.Path);

        // Each on a thread with a deadline: a blocking open would hang the test, not fail it.
        var refusals = await Task.WhenAll(
            Task.Run(() => Record.Exception(() => HostFile.ReadText(root.Path, "/etc/docker/daemon.json"))),
            Task.Run(() => Record.Exception(() => writer.Write("/etc/docker/daemon.json", "{}", Mode0600))),
            Task.Run(() => Record.Exception(() => writer.Delete("/etc/netplan/50-cloud-init.yaml"))),
            Task.Run(() => Record.Exception(() => writer.Backups.EnsureBackedUp("/etc/netplan/50-cloud-init.yaml"))))
            .WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.All(refusals, e => Assert.Contains("is a FIFO, not a regular file", Assert.IsType<NotRegularFileException>(e).Message));
    }

    [Fact]
    public async Task HostSnapshot_FifoInNetplan_FailsThePassReadNotHangsIt()
    {
        using var root = new ScratchRoot();
        root.Fifo("/etc/netplan/99-planted.yaml");
        var options = new AgentOptions { Root = root.Path };

        // On a thread with a deadline: a blocking open would hang the test, not fail it.
        var error = await Task.Run(() => Record.Exception(() => HostInspector.Read(options, dockerVersion: null)), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Contains("/etc/netplan/99-planted.yaml is a FIFO", Assert.IsType<NotRegularFileException>(error).Message);
    }

    [Theory]
    [InlineData("/sys/class/net/ens5/address")]
    [InlineData("/proc/net/ipv6_route")]
    public async Task HostSnapshot_FifoInTheRootsKernelTables_FailsThePassReadNotHangsIt(string hostPath)
    {
        using var root = new ScratchRoot();
        root.Fifo(hostPath);
        var options = new AgentOptions { Root = root.Path };

        var error = await Task.Run(() => Record.Exception(() => HostInspector.Read(options, dockerVersion: null)), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Contains(hostPath + " is a FIFO", Assert.IsType<NotRegularFileException>(error).Message);
    }

    [Fact]
    public void Transaction_ThroughALinkInsideTheRoot_KeepsTheLinkAndRollsBackThroughIt()
    {
        using var root = new ScratchRoot();
        root.Put("/srv/daemon.json", "{}\n");
        var link = root.Link("/etc/docker/daemon.json", "/srv/daemon.json");
        var tx = new FileTransaction(root.Path, new AtomicFileWriter(root.Path), NullLogger<FileTransaction>.Instance);

        tx.Apply([new FileEdit("/etc/docker/daemon.json", HostFile.ReadText(root.Path, "/etc/docker/daemon.json"), "{\"ipv6\": true}\n")]);
        Assert.Equal("{\"ipv6\": true}\n", File.ReadAllText(root.Full("/srv/daemon.json")));
        tx.Rollback();

        Assert.Equal("/srv/daemon.json", new FileInfo(link).LinkTarget);
        Assert.Equal("{}\n", File.ReadAllText(root.Full("/srv/daemon.json")));
    }
}
