using System.Diagnostics;

namespace Ipv6Agent.Testing;

/// <summary>
/// The agent under test: <c>IPV6_AGENT</c> when set (a published <c>ipv6-agent</c>), else published once per test
/// process from this checkout with the contract's command (<c>dotnet publish … -o DIR</c>).
/// </summary>
public static class AgentBinary
{
    private static readonly SemaphoreSlim Gate = new(1);
    private static string? _path;

    public static async Task<string> PathAsync()
    {
        if (Environment.GetEnvironmentVariable("IPV6_AGENT") is { Length: > 0 } given)
            return File.Exists(given) ? given : throw new InvalidOperationException($"IPV6_AGENT={given} does not exist");

        await Gate.WaitAsync();
        try
        {
            if (_path is not null) return _path;
            var output = Path.Combine(Path.GetTempPath(), "ipv6-agent-tests-" + Environment.ProcessId);
            var publish = await AgentProcess.RunRawAsync("dotnet",
                ["publish", Path.Combine(RepoRoot(), "src/Ipv6Agent/Ipv6Agent.csproj"), "-c", "Release", "-o", output, "--nologo", "-v", "q"],
                environment: null, TimeSpan.FromMinutes(15));
            if (publish.ExitCode != 0) throw new InvalidOperationException($"dotnet publish failed:\n{publish.StdOut}\n{publish.StdErr}");
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(output, recursive: true);
            return _path = Path.Combine(output, "ipv6-agent");
        }
        finally
        {
            Gate.Release();
        }
    }

    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Ipv6Agent.sln"))) return d.FullName;
        throw new InvalidOperationException("cannot find Ipv6Agent.sln above the test binaries; set IPV6_AGENT");
    }
}

/// <summary>What one run of a process printed and returned.</summary>
public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr, TimeSpan Elapsed);

/// <summary>Runs the agent (or any program) to completion with a bounded time; kills its whole tree on timeout.</summary>
public static class AgentProcess
{
    public static async Task<ProcessResult> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null) =>
        await RunRawAsync(await AgentBinary.PathAsync(), args, environment, timeout ?? TimeSpan.FromMinutes(2));

    public static async Task<ProcessResult> RunRawAsync(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{program} {string.Join(' ', info.ArgumentList)} did not finish within {timeout}:\n{await stderr}");
        }
        return new ProcessResult(process.ExitCode, await stdout, await stderr, watch.Elapsed);
    }
}
