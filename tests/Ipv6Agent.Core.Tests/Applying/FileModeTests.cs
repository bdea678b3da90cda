using Ipv6Agent.Configuration;
using Ipv6Agent.Rendering;
using Ipv6Agent.Reporting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv6Agent.Applying;

/// <summary>The umask is per process: these tests change it, so they run alone, after every parallel test.</summary>
[CollectionDefinition(nameof(UmaskCollection), DisableParallelization = true)]
public sealed class UmaskCollection;

/// <summary>
/// Every file and folder the agent creates has the mode it chose, whatever the umask (issue 8, item 13): state 0700/0600,
/// status 0644, the lock 0600, netplan 0600, other new folders 0755. A lax umask (000) must not open them to every user,
/// a strict one (077) must not hide the status from <c>ipv6-agent status</c> run by a user.
/// </summary>
[Collection(nameof(UmaskCollection))]
public sealed class FileModeTests
{
    private const UnixFileMode M0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode M0644 = M0600 | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode M0700 = M0600 | UnixFileMode.UserExecute;
    private const UnixFileMode M0755 = M0700 | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    [Theory]
    [InlineData(0x000)] // umask 000
    // 022, 077, 777 (octal)
    [InlineData(0x012)]
    [InlineData(0x03F)]
    [InlineData(0x1FF)]
    public async Task EveryPathTheAgentCreates_HasItsOwnMode_WhateverTheUmask(int umask)
    {
        using var root = new ScratchRoot();
        root.Put("/etc/docker/daemon.json", "{}\n", M0644);
        var old = Posix.SetUmask((UnixFileMode)umask);
        try
        {
            var journal = new PassJournal(root.Path, NullLogger<PassJournal>.Instance);
            var tx = new FileTransaction(root.Path, new AtomicFileWriter(root.Path), NullLogger<FileTransaction>.Instance, journal);
            tx.Apply([
                new FileEdit("/etc/netplan/60-ipv6-agent.yaml", null, "network: {}\n", FileModes.Private),
                new FileEdit("/etc/docker/daemon.json", "{}\n", "{\"ipv6\": true}\n"),
                new FileEdit("/etc/sysctl.d/60-ipv6-agent.conf", null, "net.ipv6.conf.all.forwarding = 1\n"),
            ]);
            var modesMidPass = ModesUnder(root);
            journal.Complete();
            new StatusStore(new AgentOptions { Root = root.Path }, NullLogger<StatusStore>.Instance)
                .Write(new Report { Time = DateTimeOffset.UnixEpoch, Result = ReportResult.Ok });
            using (await ReconcileLock.AcquireAsync(root.Path, TimeSpan.Zero, TimeProvider.System, TestContext.Current.CancellationToken))
            {
            }

            var modes = ModesUnder(root);
            Assert.Equal(M0600, modesMidPass[PassJournal.HostPath]);
            Assert.Equal(new SortedDictionary<string, UnixFileMode>
            {
                ["/etc"] = M0755,
                ["/etc/docker"] = modes["/etc/docker"], // made by the test, not the agent
                ["/etc/docker/daemon.json"] = M0644, // kept
                ["/etc/netplan"] = M0755,
                ["/etc/netplan/60-ipv6-agent.yaml"] = M0600,
                ["/etc/sysctl.d"] = M0755,
                ["/etc/sysctl.d/60-ipv6-agent.conf"] = M0644,
                ["/run"] = M0755,
                ["/run/ipv6-agent"] = M0755,
                ["/run/ipv6-agent/lock"] = M0600,
                ["/run/ipv6-agent/status.json"] = M0644,
                ["/var"] = M0755,
                ["/var/lib"] = M0755,
                ["/var/lib/ipv6-agent"] = M0700,
                ["/var/lib/ipv6-agent/backup"] = M0700,
                ["/var/lib/ipv6-agent/backup/etc"] = M0700,
                ["/var/lib/ipv6-agent/backup/etc/docker"] = M0700,
                ["/var/lib/ipv6-agent/backup/etc/docker/daemon.json"] = M0644, // the original's mode, for a restore
                ["/var/lib/ipv6-agent/backup/etc/netplan"] = M0700,
                ["/var/lib/ipv6-agent/backup/etc/netplan/60-ipv6-agent.yaml" + FileBackups.AbsentSuffix] = M0600,
                ["/var/lib/ipv6-agent/backup/etc/sysctl.d"] = M0700,
                ["/var/lib/ipv6-agent/backup/etc/sysctl.d/60-ipv6-agent.conf" + FileBackups.AbsentSuffix] = M0600,
            }, modes);
        }
        finally
        {
            Posix.SetUmask(old);
        }
    }

    [Fact]
    public void StateDirectoryLeftOpenByAnOlderAgent_IsNarrowedTo0700()
    {
        using var root = new ScratchRoot();
        Directory.CreateDirectory(root.Full(FileBackups.StateDirectory));
        File.SetUnixFileMode(root.Full(FileBackups.StateDirectory), (UnixFileMode)0x1FF);
        root.Put("/etc/docker/daemon.json", "{}\n", M0644);

        new AtomicFileWriter(root.Path).Write("/etc/docker/daemon.json", "{\"ipv6\": true}\n", M0644);

        Assert.Equal(M0700, File.GetUnixFileMode(root.Full(FileBackups.StateDirectory)));
    }

    private static SortedDictionary<string, UnixFileMode> ModesUnder(ScratchRoot root) => new(
        Directory.EnumerateFileSystemEntries(root.Path, "*", SearchOption.AllDirectories)
            .ToDictionary(p => p[root.Path.Length..], File.GetUnixFileMode),
        StringComparer.Ordinal);
}
