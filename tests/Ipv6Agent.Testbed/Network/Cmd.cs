using System.Diagnostics;
using System.Text;

namespace Ipv6Agent.Testbed.Network;

/// <summary>The result of a finished process.</summary>
internal sealed record CmdResult(string Command, int ExitCode, string StdOut, string StdErr)
{
    public bool Ok => ExitCode == 0;

    public CmdResult Check() => Ok
        ? this
        : throw new TestbedException($"`{Command}` exited {ExitCode}: {StdErr.Trim()} {StdOut.Trim()}".Trim());
}

/// <summary>Runs a process to completion (no shell), capturing its output.</summary>
internal static class Cmd
{
    public static async Task<CmdResult> RunAsync(string file, IEnumerable<string> args, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? env = null, Action<int>? started = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        var text = file + " " + string.Join(' ', psi.ArgumentList);
        using var p = Process.Start(psi) ?? throw new TestbedException($"cannot start {file}");
        started?.Invoke(p.Id);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TestbedException($"`{text}` did not finish within {(timeout ?? TimeSpan.FromMinutes(2)).TotalSeconds} s");
        }

        return new CmdResult(text, p.ExitCode, await stdout, await stderr);
    }

    public static Task<CmdResult> RunAsync(string file, params string[] args) => RunAsync(file, args, null);

    /// <summary>Runs and throws when the exit code is not 0.</summary>
    public static async Task<CmdResult> CheckAsync(string file, params string[] args) =>
        (await RunAsync(file, args, null)).Check();

    /// <summary><c>ip</c> in a namespace (<c>ip -n NS ...</c>), checked.</summary>
    public static Task<CmdResult> IpAsync(string ns, params string[] args) => CheckAsync("ip", ["-n", ns, .. args]);

    /// <summary>A sysctl in a namespace, written through its /proc/sys.</summary>
    public static Task<CmdResult> SysctlAsync(string ns, string key, string value) =>
        CheckAsync("ip", "netns", "exec", ns, "sysctl", "-q", "-w", $"{key}={value}");

    public static string Quote(IEnumerable<string> args)
    {
        var sb = new StringBuilder();
        foreach (var a in args)
        {
            sb.Append(sb.Length == 0 ? "" : " ").Append(a.Contains(' ') ? $"'{a}'" : a);
        }

        return sb.ToString();
    }
}
