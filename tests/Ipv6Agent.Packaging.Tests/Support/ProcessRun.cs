using System.Diagnostics;
using System.Text;

namespace Ipv6Agent.Packaging.Support;

/// <summary>What a finished process left behind.</summary>
internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public string Describe(string what) =>
        $"{what} exited {ExitCode} after {Elapsed.TotalMilliseconds:F0} ms\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs a program to its end with a bounded time, killing its whole tree on timeout.</summary>
internal static class ProcessRun
{
    /// <summary>A small, fixed environment: nothing from the test runner leaks into the container.</summary>
    private static readonly Dictionary<string, string> BaseEnvironment = new()
    {
        ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ["LANG"] = "C.UTF-8",
        ["HOME"] = "/root",
        ["SYSTEMD_PAGER"] = "",
        ["SYSTEMD_COLORS"] = "0",
    };

    public static async Task<ProcessResult> RunAsync(
        string file,
        IEnumerable<string> args,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Clear();
        foreach (var (key, value) in BaseEnvironment)
        {
            info.Environment[key] = value;
        }

        // dotnet publish inside build-deb.sh needs to find the SDK the runner uses.
        foreach (var key in new[] { "DOTNET_ROOT", "NUGET_PACKAGES", "TMPDIR" })
        {
            if (Environment.GetEnvironmentVariable(key) is { } value)
            {
                info.Environment[key] = value;
            }
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var watch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException(
                $"{file} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:F0} s\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
        }

        // The async readers may still hold the last lines after the exit.
        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.ToString(), stderr.ToString(), watch.Elapsed);
    }
}
