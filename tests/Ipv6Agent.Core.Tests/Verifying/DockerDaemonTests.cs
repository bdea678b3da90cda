using Docker.DotNet.Models;
using Ipv6Agent.Engine;
using Ipv6Agent.Testing.Docker;

namespace Ipv6Agent.Verifying;

/// <summary>The fixture itself: it must leave nothing behind, whatever ran in it.</summary>
public sealed class DockerDaemonTests
{
    [Fact]
    public async Task Dispose_WithARunningContainer_LeavesNoProcessMountOrDirectory()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ns = await NetworkNamespace.CreateAsync("vf-dd", ct);
        var workDir = Path.Join("/tmp", $"vf-dd-{Guid.NewGuid():N}"[..14]);
        var daemon = await DockerDaemon.StartAsync(ns.Name, workDir, """{"storage-driver": "vfs", "ipv6": true, "fixed-cidr-v6": "2001:db8:5::8/126"}""", ct);
        try
        {
            await ProbeImage.EnsureAsync(daemon.Endpoint, workDir, ct: ct);
            using var session = await DockerConnection.ConnectAsync(daemon.Endpoint, TimeSpan.FromSeconds(30), ct);
            var created = await session.Client.Containers.CreateContainerAsync(
                new CreateContainerParameters { Image = ProbeImage.DefaultTag, Cmd = ["sleep", "600"] }, ct);
            await session.Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), ct);
            Assert.Contains(ProcessesNaming(workDir), _ => true);
        }
        finally
        {
            await daemon.DisposeAsync();
        }

        Assert.Empty(ProcessesNaming(workDir));
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), l => l.Contains(workDir, StringComparison.Ordinal));
        Assert.False(Directory.Exists(workDir));
    }

    [Fact]
    public async Task Start_WithoutItsNamespace_RefusesToRunInTheMachinesOwn()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            DockerDaemon.StartAsync("vf-does-not-exist", "/tmp/vf-never", "{}", TestContext.Current.CancellationToken));

        Assert.Equal("network namespace vf-does-not-exist does not exist: a test dockerd never runs in the machine's own", error.Message);
        Assert.False(Directory.Exists("/tmp/vf-never"));
    }

    /// <summary>Live (not zombie) processes whose command line names <paramref name="workDir"/>.</summary>
    private static List<int> ProcessesNaming(string workDir)
    {
        var result = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var cmdline = File.ReadAllText(Path.Join(dir, "cmdline")).Replace('\0', ' ');
                var stat = File.ReadAllText(Path.Join(dir, "stat"));
                if (cmdline.Contains(workDir, StringComparison.Ordinal) && stat[(stat.LastIndexOf(')') + 2)] is not ('Z' or 'X')) result.Add(pid);
            }
            catch (IOException)
            {
            }
        }

        return result;
    }
}
