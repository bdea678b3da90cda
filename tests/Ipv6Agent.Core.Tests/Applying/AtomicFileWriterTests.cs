namespace Ipv6Agent.Applying;

public sealed class AtomicFileWriterTests
{
    private const UnixFileMode Mode0640 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
    private const UnixFileMode Mode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Mode0755 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                          UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    [Fact]
    public void Write_ExistingFile_KeepsOwnerGroupAndMode()
    {
        using var root = new ScratchRoot();
        var full = root.Put("/etc/docker/daemon.json", "{}", Mode0640);
        Posix.Chown(full, 4321, 8765);

        new AtomicFileWriter(root.Path).Write("/etc/docker/daemon.json", "{\"ipv6\": true}\n", Mode0600);

        Assert.Equal("{\"ipv6\": true}\n", File.ReadAllText(full));
        var id = Posix.Identify(full);
        Assert.Equal((4321u, 8765u), (id.Uid, id.Gid));
        Assert.Equal(Mode0640, File.GetUnixFileMode(full));
    }

    [Fact]
    public void Write_NewFile_GetsGivenModeAndParentDirectories0755()
    {
        using var root = new ScratchRoot();

        new AtomicFileWriter(root.Path).Write("/etc/netplan/60-ipv6-agent.yaml", "network: {}\n", Mode0600);

        var full = root.Full("/etc/netplan/60-ipv6-agent.yaml");
        Assert.Equal("network: {}\n", File.ReadAllText(full));
        Assert.Equal(Mode0600, File.GetUnixFileMode(full));
        Assert.Equal(Mode0755, File.GetUnixFileMode(root.Full("/etc/netplan")));
        Assert.Equal(Mode0755, File.GetUnixFileMode(root.Full("/etc")));
    }

    [Fact]
    public void Write_Twice_LeavesOnlyTheTargetInItsDirectory()
    {
        using var root = new ScratchRoot();
        var writer = new AtomicFileWriter(root.Path);

        writer.Write("/etc/x/a.conf", "one", Mode0600);
        writer.Write("/etc/x/a.conf", "two", Mode0600);

        Assert.Equal(["a.conf"], Directory.GetFileSystemEntries(root.Full("/etc/x")).Select(Path.GetFileName));
    }

    [Fact]
    public void Write_WhenRenameFails_ThrowsAndLeavesNoTempFile()
    {
        using var root = new ScratchRoot();
        // A directory where the file should be: the rename over it fails after the temp file was written.
        Directory.CreateDirectory(root.Full("/etc/x/a.conf"));

        Assert.ThrowsAny<IOException>(() => new AtomicFileWriter(root.Path).Write("/etc/x/a.conf", "text", Mode0600));

        Assert.Equal(["a.conf"], Directory.GetFileSystemEntries(root.Full("/etc/x")).Select(Path.GetFileName));
    }

    [Fact]
    public void Write_Symlink_WritesThroughTheLinkAndKeepsIt()
    {
        using var root = new ScratchRoot();
        var real = root.Put("/srv/real.yaml", "old");
        Directory.CreateDirectory(root.Full("/etc/netplan"));
        // As the root's own tools see it: an absolute link is relative to the root.
        File.CreateSymbolicLink(root.Full("/etc/netplan/50-cloud-init.yaml"), "/srv/real.yaml");

        new AtomicFileWriter(root.Path).Write("/etc/netplan/50-cloud-init.yaml", "new", Mode0600);

        Assert.NotNull(new FileInfo(root.Full("/etc/netplan/50-cloud-init.yaml")).LinkTarget);
        Assert.Equal("new", File.ReadAllText(real));
    }

    [Fact]
    public void Write_SecondChange_KeepsTheFirstBackupAsThePreAgentOriginal()
    {
        using var root = new ScratchRoot();
        root.Put("/etc/docker/daemon.json", "original", Mode0640);
        var writer = new AtomicFileWriter(root.Path);

        writer.Write("/etc/docker/daemon.json", "agent 1", Mode0600);
        writer.Write("/etc/docker/daemon.json", "agent 2", Mode0600);

        var backup = root.Full("/var/lib/ipv6-agent/backup/etc/docker/daemon.json");
        Assert.Equal("original", File.ReadAllText(backup));
        Assert.Equal(Mode0640, File.GetUnixFileMode(backup));
        Assert.Equal(["daemon.json"], Directory.GetFileSystemEntries(Path.GetDirectoryName(backup)!).Select(Path.GetFileName));
    }

    [Fact]
    public void Write_NewFile_LeavesAnAbsentMarkerSoARestoreDeletesIt()
    {
        using var root = new ScratchRoot();
        var writer = new AtomicFileWriter(root.Path);

        writer.Write("/etc/netplan/60-ipv6-agent.yaml", "network: {}\n", Mode0600);

        Assert.True(File.Exists(root.Full("/var/lib/ipv6-agent/backup/etc/netplan/60-ipv6-agent.yaml" + FileBackups.AbsentSuffix)));
        Assert.False(File.Exists(root.Full("/var/lib/ipv6-agent/backup/etc/netplan/60-ipv6-agent.yaml")));
        Assert.True(writer.Backups.Restore("/etc/netplan/60-ipv6-agent.yaml", writer));
        Assert.False(File.Exists(root.Full("/etc/netplan/60-ipv6-agent.yaml")));
    }

    [Fact]
    public void Restore_AfterUpdates_PutsTheOriginalBytesBack()
    {
        using var root = new ScratchRoot();
        root.Put("/etc/apt/sources.list", "deb http://a/ bookworm main\r\nno newline at end");
        var writer = new AtomicFileWriter(root.Path);
        writer.Write("/etc/apt/sources.list", "changed", Mode0600);

        writer.Backups.Restore("/etc/apt/sources.list", writer);

        Assert.Equal("deb http://a/ bookworm main\r\nno newline at end", File.ReadAllText(root.Full("/etc/apt/sources.list")));
    }

    [Fact]
    public void Delete_BacksUpThenUnlinks()
    {
        using var root = new ScratchRoot();
        root.Put("/etc/netplan/99-old.yaml", "old: yes\n");

        new AtomicFileWriter(root.Path).Delete("/etc/netplan/99-old.yaml");

        Assert.False(File.Exists(root.Full("/etc/netplan/99-old.yaml")));
        Assert.Equal("old: yes\n", File.ReadAllText(root.Full("/var/lib/ipv6-agent/backup/etc/netplan/99-old.yaml")));
        Assert.Empty(Directory.GetFileSystemEntries(root.Full("/etc/netplan")));
    }
}
