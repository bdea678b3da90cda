using Ipv6Agent.Rendering.Apt;
using Ipv6Agent.Rendering.Netplan;
using Ipv6Agent.Rendering.Sysctl;

namespace Ipv6Agent.Rendering;

public sealed class DropInRendererTests
{
    [Fact]
    public void Sysctl_Render_MatchesGolden() => Golden.AssertMatches("sysctl/60-ipv6-agent.conf", SysctlRenderer.Render());

    [Fact]
    public void Sysctl_Render_HasExactlyOneSettingForwarding()
    {
        var settings = SysctlRenderer.Render().Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#'));

        Assert.Equal(["net.ipv6.conf.all.forwarding = 1"], settings);
    }

    [Fact]
    public void CloudInit_Render_MatchesGoldenAndDisablesNetworkConfig()
    {
        var text = CloudInitNetworkRenderer.Render();

        Golden.AssertMatches("cloud-init/99-ipv6-agent-network.cfg", text);
        Assert.Equal(["network: {config: disabled}"], text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')));
    }

    [Fact]
    public void AptForceIpv6_Render_MatchesGolden()
    {
        var text = AptForceIpv6Renderer.Render();

        Golden.AssertMatches("apt/99ipv6-agent-force-ipv6", text);
        Assert.Equal(["Acquire::ForceIPv6 \"true\";"], text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("//", StringComparison.Ordinal)));
    }

    [Fact]
    public void AptForceIpv6_RenderedFile_IsAcceptedByAptConfig()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/apt-config"), "apt is not installed");
        var directory = Directory.CreateTempSubdirectory("ipv6-agent-apt-");
        try
        {
            var file = Path.Combine(directory.FullName, "99ipv6-agent-force-ipv6");
            File.WriteAllText(file, AptForceIpv6Renderer.Render());
            var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/apt-config") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-c", file, "dump", "Acquire::ForceIPv6" }) start.ArgumentList.Add(a);
            using var process = System.Diagnostics.Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();

            Assert.Equal(0, process.ExitCode);
            Assert.Contains("Acquire::ForceIPv6 \"true\";", output);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
