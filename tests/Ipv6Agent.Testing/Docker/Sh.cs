using System.Diagnostics;

namespace Ipv6Agent.Testing.Docker;

/// <summary>What a test-support command printed and returned.</summary>
public sealed record ShResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>Runs programs with argument lists (no shell quoting) for test fixtures.</summary>
public static class Sh
{
    public static async Task<ShResult> RunAsync(IReadOnlyList<string> argv, CancellationToken ct = default)
    {
        var info = new ProcessStartInfo(argv[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in argv.Skip(1)) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new ShResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs and throws with the command's output when it fails.</summary>
    public static async Task<string> CheckedAsync(IReadOnlyList<string> argv, CancellationToken ct = default)
    {
        var result = await RunAsync(argv, ct);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"`{string.Join(' ', argv)}` exited with {result.ExitCode}: {result.StandardError.Trim()} {result.StandardOutput.Trim()}");
        return result.StandardOutput;
    }
}
