using Ipv6Agent.Rendering;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv6Agent.Applying;

public sealed class FileTransactionTests
{
    private static FileTransaction NewTransaction(ScratchRoot root) =>
        new(root.Path, new AtomicFileWriter(root.Path), NullLogger<FileTransaction>.Instance);

    [Fact]
    public void Rollback_AfterCreateUpdateAndDelete_RestoresTheExactPreviousTexts()
    {
        using var root = new ScratchRoot();
        const string daemonJson = "{\r\n  \"log-driver\": \"journald\" }"; // CRLF, no final newline: must come back byte for byte
        const string oldNetplan = "network:\n  version: 2 # é\n";
        root.Put("/etc/docker/daemon.json", daemonJson);
        root.Put("/etc/netplan/90-old.yaml", oldNetplan);
        var tx = NewTransaction(root);

        tx.Apply([
            new FileEdit("/etc/netplan/60-ipv6-agent.yaml", null, "network: {}\n", FileModes.Private),
            new FileEdit("/etc/docker/daemon.json", daemonJson, "{\"ipv6\": true}\n"),
            new FileEdit("/etc/netplan/90-old.yaml", oldNetplan, null),
            new FileEdit("/etc/unchanged", null, null),
        ]);
        Assert.Equal(3, tx.Applied.Count);
        Assert.Equal("{\"ipv6\": true}\n", File.ReadAllText(root.Full("/etc/docker/daemon.json")));

        tx.Rollback();

        Assert.False(File.Exists(root.Full("/etc/netplan/60-ipv6-agent.yaml")));
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(daemonJson), File.ReadAllBytes(root.Full("/etc/docker/daemon.json")));
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(oldNetplan), File.ReadAllBytes(root.Full("/etc/netplan/90-old.yaml")));
        Assert.Empty(tx.Applied);
    }

    [Fact]
    public void Apply_FileChangedOnDiskSinceRead_RefusesAndWritesNothing()
    {
        using var root = new ScratchRoot();
        root.Put("/etc/docker/daemon.json", "{\"debug\": true}");
        var tx = NewTransaction(root);

        var error = Assert.Throws<ApplyException>(() => tx.Apply([
            new FileEdit("/etc/netplan/60-ipv6-agent.yaml", null, "network: {}\n", FileModes.Private),
            new FileEdit("/etc/docker/daemon.json", "{}", "{\"ipv6\": true}"),
        ]));

        Assert.Equal(
            "/etc/docker/daemon.json changed on disk after this pass read it (is something else editing it?); nothing was written, " +
            "the next pass starts again from what is there now",
            error.Message);
        Assert.False(File.Exists(root.Full("/etc/netplan/60-ipv6-agent.yaml")));
        Assert.Equal("{\"debug\": true}", File.ReadAllText(root.Full("/etc/docker/daemon.json")));
    }

    [Fact]
    public void Apply_FileAppearedSinceRead_Refuses()
    {
        using var root = new ScratchRoot();
        root.Put("/etc/netplan/60-ipv6-agent.yaml", "someone else's\n");

        var error = Assert.Throws<ApplyException>(() => NewTransaction(root).Apply([
            new FileEdit("/etc/netplan/60-ipv6-agent.yaml", null, "network: {}\n", FileModes.Private),
        ]));

        Assert.StartsWith("/etc/netplan/60-ipv6-agent.yaml appeared on disk after this pass read it", error.Message);
    }

    [Fact]
    public void Apply_LaterWriteFails_RollsBackTheEarlierOnes()
    {
        using var root = new ScratchRoot();
        root.Put("/etc/docker/daemon.json", "{}");
        root.Put("/etc/apt", "a file where the directory should be"); // writing under it fails

        var error = Assert.Throws<ApplyException>(() => NewTransaction(root).Apply([
            new FileEdit("/etc/docker/daemon.json", "{}", "{\"ipv6\": true}"),
            new FileEdit("/etc/apt/sources.list", null, "deb http://x/ y main\n"),
        ]));

        Assert.StartsWith("could not write /etc/apt/sources.list: ", error.Message);
        Assert.Equal("{}", File.ReadAllText(root.Full("/etc/docker/daemon.json")));
    }

    /// <summary>A pass writes in steps (netplan first): a file found changed at a later step must not leave the earlier steps written.</summary>
    [Fact]
    public void Apply_LaterStepFindsAFileChanged_PutsBackTheEarlierStepsAndSaysSo()
    {
        using var root = new ScratchRoot();
        root.Put("/etc/apt/sources.list", "deb http://someone-else/ y main\n");
        var tx = NewTransaction(root);
        tx.Apply([new FileEdit("/etc/netplan/60-ipv6-agent.yaml", null, "network: {}\n", FileModes.Private)]);

        var error = Assert.Throws<ApplyException>(() => tx.Apply([
            new FileEdit("/etc/apt/sources.list", "deb http://mirror/ y main\n", "deb http://archive/ y main\n"),
        ]));

        Assert.Equal(
            "/etc/apt/sources.list changed on disk after this pass read it (is something else editing it?); " +
            "the 1 file(s) this pass had written were put back",
            error.Message);
        Assert.False(File.Exists(root.Full("/etc/netplan/60-ipv6-agent.yaml")));
        Assert.Equal("deb http://someone-else/ y main\n", File.ReadAllText(root.Full("/etc/apt/sources.list")));
        Assert.Empty(tx.Applied);
    }

    [Fact]
    public void EnsureUnchangedOnDisk_AnyStepsFileChanged_RefusesBeforeWriting()
    {
        using var root = new ScratchRoot();
        root.Put("/etc/docker/daemon.json", "{\"debug\": true}");

        var error = Assert.Throws<ApplyException>(() => NewTransaction(root).EnsureUnchangedOnDisk([
            new FileEdit("/etc/netplan/60-ipv6-agent.yaml", null, "network: {}\n", FileModes.Private),
            new FileEdit("/etc/docker/daemon.json", "{}", "{\"ipv6\": true}"),
        ]));

        Assert.EndsWith("; nothing was written, the next pass starts again from what is there now", error.Message);
        Assert.False(File.Exists(root.Full("/etc/netplan/60-ipv6-agent.yaml")));
    }
}
