using System.Diagnostics;

namespace Ipv6Agent.Rendering;

/// <summary>A temporary root for the real <c>netplan generate --root-dir</c>: netplan's own parser, merge rules and validation.</summary>
internal sealed class NetplanRoot : IDisposable
{
    public const string Netplan = "/usr/sbin/netplan";

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("ipv6-agent-render-").FullName;

    public void Write(string name, string text)
    {
        var path = Path.Combine(Directory, "etc/netplan", name);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // netplan warns about world-readable files; the agent writes 0600 too.
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>Runs <c>netplan generate</c>; returns the generated networkd files by name.</summary>
    public IReadOnlyDictionary<string, string> Generate()
    {
        Run("generate", "--root-dir", Directory);
        var output = Path.Combine(Directory, "run/systemd/network");
        return System.IO.Directory.GetFiles(output).ToDictionary(f => Path.GetFileName(f), f => File.ReadAllText(f));
    }

    public string Get(string key) => Run("get", "--root-dir", Directory, key);

    private static string Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Netplan) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"netplan {string.Join(' ', arguments)} failed ({process.ExitCode}): {stderr}");
        return stdout.Result;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
