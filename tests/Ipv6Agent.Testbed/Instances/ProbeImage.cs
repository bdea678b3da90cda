using Ipv6Agent.Testbed.Network;

namespace Ipv6Agent.Testbed.Instances;

/// <summary>
/// <c>busybox:stable</c> without a registry: the static busybox binary with links for the applets
/// a probe needs, imported as an image. Containers of the tests and the agent's probe use it.
/// </summary>
internal static class ProbeImage
{
    public const string Name = "busybox:stable";

    /// <summary>Builds the image's tar once under <paramref name="folder"/>; returns its path.</summary>
    public static async Task<string> BuildTarAsync(string folder)
    {
        var busybox = new[] { "/bin/busybox", "/usr/bin/busybox" }.FirstOrDefault(File.Exists)
            ?? throw new TestbedException("busybox not found: apt-get install -y busybox-static");
        var rootfs = Path.Combine(folder, "probe-rootfs");
        Directory.CreateDirectory(Path.Combine(rootfs, "bin"));
        File.Copy(busybox, Path.Combine(rootfs, "bin", "busybox"), overwrite: true);
        foreach (var applet in new[] { "sh", "ping", "ping6", "ip", "sleep", "cat", "ls", "wget" })
        {
            var link = Path.Combine(rootfs, "bin", applet);
            if (!File.Exists(link)) File.CreateSymbolicLink(link, "busybox");
        }

        var tar = Path.Combine(folder, "probe.tar");
        await Cmd.CheckAsync("tar", "-C", rootfs, "-cf", tar, ".");
        return tar;
    }

    /// <summary>Imports the tar into an instance's engine as <see cref="Name"/>.</summary>
    public static async Task ImportAsync(Instance instance, string tar) =>
        (await instance.DockerAsync("import", "--change", "CMD [\"/bin/sh\"]", tar, Name)).Check();
}
