using Ipv6Agent.Rendering;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv6Agent.Applying;

/// <summary>
/// A pass killed half way is undone by the next one: each test plays the killed pass with a real <see cref="FileTransaction"/>
/// whose journal is never completed, then a fresh journal (a new process) on the same root.
/// </summary>
public sealed class PassJournalTests
{
    private const string CloudInit = "network:\n  ethernets:\n    ens5: {dhcp6: true}\n  version: 2\n";
    private const string DaemonJson = "{\r\n  \"log-driver\": \"journald\" }"; // CRLF, no final newline: must come back byte for byte

    private static PassJournal NewJournal(ScratchRoot root) => new(root.Path, NullLogger<PassJournal>.Instance);

    /// <summary>The pass a SIGKILL stops after its writes and <c>netplan apply</c> started: the journal is left behind.</summary>
    private static void KilledPass(ScratchRoot root)
    {
        var journal = NewJournal(root);
        var tx = new FileTransaction(root.Path, new AtomicFileWriter(root.Path), NullLogger<FileTransaction>.Instance, journal);
        tx.Apply([
            new FileEdit("/etc/netplan/60-ipv6-agent.yaml", null, "network: {}\n", FileModes.Private),
            new FileEdit("/etc/netplan/50-cloud-init.yaml", CloudInit, null),
            new FileEdit("/etc/docker/daemon.json", DaemonJson, "{\"ipv6\": true}\n"),
        ]);
        journal.RecordStarted(HostApplier.NetplanApply);
    }

    private static ScratchRoot HostAfterBoot()
    {
        var root = new ScratchRoot();
        root.Put("/etc/netplan/50-cloud-init.yaml", CloudInit, FileModes.Private);
        root.Put("/etc/docker/daemon.json", DaemonJson);
        return root;
    }

    [Fact]
    public void RestoreInterrupted_AfterAKilledPass_PutsEveryFileBackAndReturnsTheStartedCommands()
    {
        using var root = HostAfterBoot();
        KilledPass(root);
        var journal = NewJournal(root);
        Assert.True(journal.HasInterruptedPass);

        var started = journal.RestoreInterrupted();

        Assert.Equal([HostApplier.NetplanApply], started);
        Assert.False(File.Exists(root.Full("/etc/netplan/60-ipv6-agent.yaml")));
        Assert.Equal(CloudInit, File.ReadAllText(root.Full("/etc/netplan/50-cloud-init.yaml")));
        Assert.Equal(FileModes.Private, File.GetUnixFileMode(root.Full("/etc/netplan/50-cloud-init.yaml")));
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(DaemonJson), File.ReadAllBytes(root.Full("/etc/docker/daemon.json")));

        // Until the caller has re-run the commands, a kill now must lead to the same recovery again.
        Assert.True(NewJournal(root).HasInterruptedPass);
        journal.Complete();
        Assert.False(NewJournal(root).HasInterruptedPass);
        Assert.Null(NewJournal(root).RestoreInterrupted());
    }

    [Fact]
    public void RestoreInterrupted_FileEditedAfterTheKill_LeftAsItIsNow()
    {
        using var root = HostAfterBoot();
        KilledPass(root);
        root.Put("/etc/docker/daemon.json", "{\"debug\": true}\n"); // a person fixed something before the next pass

        var started = NewJournal(root).RestoreInterrupted();

        Assert.NotNull(started);
        Assert.Equal("{\"debug\": true}\n", File.ReadAllText(root.Full("/etc/docker/daemon.json")));
        Assert.False(File.Exists(root.Full("/etc/netplan/60-ipv6-agent.yaml")));
    }

    [Fact]
    public void RestoreInterrupted_KilledBeforeTheWriteLanded_LeavesTheFile()
    {
        using var root = HostAfterBoot();
        var journal = NewJournal(root);
        journal.RecordWrite("/etc/docker/daemon.json", DaemonJson, "{\"ipv6\": true}\n", FileModes.Default);
        var before = File.GetLastWriteTimeUtc(root.Full("/etc/docker/daemon.json"));

        var started = NewJournal(root).RestoreInterrupted();

        Assert.Equal([], started);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(DaemonJson), File.ReadAllBytes(root.Full("/etc/docker/daemon.json")));
        Assert.Equal(before, File.GetLastWriteTimeUtc(root.Full("/etc/docker/daemon.json")));
    }

    [Fact]
    public void ApplyThenComplete_LeavesNoJournal_AndAPassWithoutChangesNeverWritesOne()
    {
        using var root = HostAfterBoot();
        var journal = NewJournal(root);
        var tx = new FileTransaction(root.Path, new AtomicFileWriter(root.Path), NullLogger<FileTransaction>.Instance, journal);

        tx.Apply([new FileEdit("/etc/docker/daemon.json", DaemonJson, DaemonJson)]);
        journal.Complete();
        Assert.False(Directory.Exists(root.Full("/var/lib/ipv6-agent")));

        tx.Apply([new FileEdit("/etc/docker/daemon.json", DaemonJson, "{}\n")]);
        Assert.True(journal.HasInterruptedPass);
        journal.Complete();
        Assert.False(journal.HasInterruptedPass);
    }

    [Theory]
    [InlineData("{\"files\": [{\"path\": \"/etc/x\", \"before\": \"a\"")]
    [InlineData("{\"files\": null, \"started\": []}")]
    [InlineData("{\"files\": [null], \"started\": []}")]
    [InlineData("{\"files\": [{\"before\": \"a\", \"after\": \"b\", \"modeBefore\": 420}], \"started\": []}")]
    [InlineData("null")]
    [InlineData("")]
    public void RestoreInterrupted_NotAJournal_MovedAsideAndNothingTouched(string text)
    {
        using var root = HostAfterBoot();
        root.Put(PassJournal.HostPath, text);

        var started = NewJournal(root).RestoreInterrupted();

        Assert.Null(started);
        Assert.False(File.Exists(root.Full(PassJournal.HostPath)));
        Assert.Equal(text, File.ReadAllText(root.Full(PassJournal.HostPath) + ".unreadable"));
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(DaemonJson), File.ReadAllBytes(root.Full("/etc/docker/daemon.json")));
    }
}
