using System.Runtime.InteropServices;

namespace Ipv6Agent.Packaging.Support;

/// <summary>The .deb files, built once per test run by packaging/build-deb.sh into a temp folder.</summary>
internal static class Packages
{
    private static readonly Dictionary<string, Lazy<Task<string>>> Built = new()
    {
        ["amd64"] = new(() => BuildAsync("amd64")),
        ["arm64"] = new(() => BuildAsync("arm64")),
    };

    static Packages() =>
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(Folder, recursive: true);

    public static string Folder { get; } = Directory.CreateTempSubdirectory("pk-debs-").FullName;

    /// <summary>This machine's Debian architecture.</summary>
    public static string HostArch { get; } = RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        var other => throw new PlatformNotSupportedException($"no .deb for {other}"),
    };

    /// <summary>The architecture this host cannot install.</summary>
    public static string OtherArch => HostArch == "amd64" ? "arm64" : "amd64";

    public static Task<string> DebAsync(string arch) => Built[arch].Value;

    private static async Task<string> BuildAsync(string arch)
    {
        // tests/run-all.sh builds both .debs once, and the other modules run the binaries inside them: these tests check
        // those same files rather than compiling both architectures again.
        if (Environment.GetEnvironmentVariable("IPV6_AGENT_DEBS") is { Length: > 0 } built
            && Directory.GetFiles(built, $"ipv6-agent_*_{arch}.deb") is [var deb])
        {
            return deb;
        }

        var result = await ProcessRun.RunAsync(
            Repository.Path("packaging", "build-deb.sh"),
            ["--arch", arch, "--out", Folder],
            // A self-contained publish and xz took over 5 min on a 2-core machine under load.
            TimeSpan.FromMinutes(15),
            new Dictionary<string, string> { ["TMPDIR"] = Folder });
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(result.Describe($"build-deb.sh --arch {arch}"));
        }

        return result.Stdout.Trim().Split('\n')[^1];
    }
}
