using Ipv6Agent.Inspecting;
using Ipv6Agent.Reporting;

namespace Ipv6Agent.Rendering;

public sealed class DesiredStateTests
{
    private static readonly DesiredStateOptions FixMirrors = new(FixMirrors: true);

    private static Dictionary<string, string> BlogHostFiles() => new()
    {
        ["/etc/netplan/50-cloud-init.yaml"] = Fixture.Text("netplan/50-cloud-init.modern.yaml"),
        ["/etc/cloud/cloud.cfg"] = "# cloud-init's main configuration\n",
        ["/etc/docker/daemon.json"] = Fixture.Text("docker/daemon.commented.json"),
        ["/etc/apt/sources.list"] = Fixture.Text("apt/sources.list"),
        ["/etc/apt/sources.list.d/ubuntu.sources"] = Fixture.Text("apt/ubuntu.sources"),
        ["/etc/apt/sources.list.d/docker.list"] = "deb [arch=amd64] https://download.docker.com/linux/ubuntu jammy stable\n",
    };

    private static HostSnapshot Host(IReadOnlyDictionary<string, string> files, bool ipv4 = false, Version? docker = null) =>
        new([new KernelInterface("ens5", BlogPlan.Create().Mac)], [], ipv4, files, docker ?? new Version(27, 3, 1));

    private static IReadOnlyList<FileEdit> Build(HostSnapshot host, DesiredStateOptions? options = null) =>
        DesiredState.Build(BlogPlan.Create(), host, options ?? FixMirrors);

    /// <summary>The host after the applier wrote every edit.</summary>
    private static Dictionary<string, string> Applied(IReadOnlyDictionary<string, string> files, IReadOnlyList<FileEdit> edits)
    {
        var result = new Dictionary<string, string>(files);
        foreach (var edit in edits)
        {
            if (edit.Desired is null) result.Remove(edit.Path);
            else result[edit.Path] = edit.Desired;
        }
        return result;
    }

    [Fact]
    public void Build_BlogHost_ListsEveryFileInApplyOrder()
    {
        var edits = Build(Host(BlogHostFiles()));

        Assert.Equal(
        [
            ("/etc/netplan/60-ipv6-agent.yaml", ChangeAction.Create, FileRole.Netplan),
            ("/etc/netplan/50-cloud-init.yaml", ChangeAction.Update, FileRole.Netplan),
            ("/etc/cloud/cloud.cfg.d/99-ipv6-agent-network.cfg", ChangeAction.Create, FileRole.CloudInit),
            ("/etc/sysctl.d/60-ipv6-agent.conf", ChangeAction.Create, FileRole.Sysctl),
            ("/etc/apt/sources.list", ChangeAction.Update, FileRole.Apt),
            ("/etc/apt/sources.list.d/docker.list", ChangeAction.Unchanged, FileRole.Apt),
            ("/etc/apt/sources.list.d/ubuntu.sources", ChangeAction.Update, FileRole.Apt),
            ("/etc/apt/apt.conf.d/99ipv6-agent-force-ipv6", ChangeAction.Create, FileRole.Apt),
            ("/etc/docker/daemon.json", ChangeAction.Update, FileRole.Docker),
        ], edits.Select(e => (e.Path, e.Action, e.Role)));
        Assert.Equal(FileModes.Private, edits[0].Mode);
    }

    [Fact]
    public void Build_BlogHost_DiffMatchesGolden()
    {
        var edits = Build(Host(BlogHostFiles()));

        Golden.AssertMatches("desired-state/blog-host.diff", string.Concat(edits.Select(e => UnifiedDiff.Create(e.Path, e.Current, e.Desired))));
    }

    [Fact]
    public void Build_ConvergedHost_ChangesNothingAndKeepsTheCloudInitDropIn()
    {
        var files = BlogHostFiles();
        var converged = Applied(files, Build(Host(files)));

        var again = Build(Host(converged));

        Assert.All(again, e => Assert.Equal(ChangeAction.Unchanged, e.Action));
        Assert.Contains(again, e => e.Path == "/etc/cloud/cloud.cfg.d/99-ipv6-agent-network.cfg");
    }

    [Fact]
    public void Build_LegacyCloudInit_DoesNotDisableCloudInitNetworking()
    {
        var files = BlogHostFiles();
        files["/etc/netplan/50-cloud-init.yaml"] = Fixture.Text("netplan/50-cloud-init.legacy.yaml");

        var edits = Build(Host(files));

        Assert.DoesNotContain(edits, e => e.Role == FileRole.CloudInit);
        Assert.Contains(edits, e => e.Path == "/etc/netplan/50-cloud-init.yaml" && e.Action == ChangeAction.Unchanged);
    }

    [Fact]
    public void Build_NoCloudInitInstalled_CleansButWritesNoDropIn()
    {
        var files = BlogHostFiles();
        files.Remove("/etc/cloud/cloud.cfg");

        var edits = Build(Host(files));

        Assert.DoesNotContain(edits, e => e.Role == FileRole.CloudInit);
        Assert.Contains(edits, e => e.Path == "/etc/netplan/50-cloud-init.yaml" && e.Action == ChangeAction.Update);
    }

    [Fact]
    public void Build_HandWrittenFileCleaned_DoesNotDisableCloudInitNetworking()
    {
        var files = BlogHostFiles();
        files["/etc/netplan/50-cloud-init.yaml"] = Fixture.Text("netplan/50-cloud-init.legacy.yaml");
        files["/etc/netplan/01-hand-written.yaml"] = Fixture.Text("netplan/01-hand-written.yaml");

        var edits = Build(Host(files));

        Assert.Contains(edits, e => e.Path == "/etc/netplan/01-hand-written.yaml" && e.Action == ChangeAction.Update);
        Assert.DoesNotContain(edits, e => e.Role == FileRole.CloudInit);
        Assert.Equal(["/etc/netplan/60-ipv6-agent.yaml", "/etc/netplan/01-hand-written.yaml", "/etc/netplan/50-cloud-init.yaml"],
            edits.Where(e => e.Role == FileRole.Netplan).Select(e => e.Path));
    }

    [Fact]
    public void Build_Ipv4DefaultRouteBack_DeletesTheForceIpv6DropIn()
    {
        var files = BlogHostFiles();
        files["/etc/apt/apt.conf.d/99ipv6-agent-force-ipv6"] = "Acquire::ForceIPv6 \"true\";\n";

        var edit = Assert.Single(Build(Host(files, ipv4: true)), e => e.Path == "/etc/apt/apt.conf.d/99ipv6-agent-force-ipv6");

        Assert.Equal(ChangeAction.Delete, edit.Action);
    }

    [Fact]
    public void Build_Ipv4DefaultRouteAndNoDropIn_LeavesItOut() =>
        Assert.DoesNotContain(Build(Host(BlogHostFiles(), ipv4: true)), e => e.Path == "/etc/apt/apt.conf.d/99ipv6-agent-force-ipv6");

    [Fact]
    public void Build_FixMirrorsOff_LeavesAptSourcesOut() =>
        Assert.DoesNotContain(Build(Host(BlogHostFiles()), new DesiredStateOptions(FixMirrors: false)),
            e => e.Path.StartsWith("/etc/apt/sources.list", StringComparison.Ordinal));

    [Fact]
    public void Build_OptionsDockerVersionWinsOverTheSnapshots()
    {
        var edits = DesiredState.Build(BlogPlan.Create(), Host(BlogHostFiles(), docker: new Version(27, 0)),
            new DesiredStateOptions(FixMirrors: false, DockerVersion: new Version(19, 3)));

        Assert.DoesNotContain("ip6tables", edits[^1].Desired);
    }

    [Fact]
    public void Build_InvalidDaemonJson_FailsNamingTheFile()
    {
        var files = BlogHostFiles();
        files["/etc/docker/daemon.json"] = "{ \"ipv6\": tru }\n";

        var error = Assert.Throws<RenderingException>(() => Build(Host(files)));

        Assert.Equal("/etc/docker/daemon.json", error.HostPath);
        Assert.StartsWith("/etc/docker/daemon.json: invalid JSON at line 1, byte ", error.Message);
    }
}
