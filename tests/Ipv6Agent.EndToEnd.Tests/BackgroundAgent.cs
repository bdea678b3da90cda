using System.Diagnostics;
using System.Globalization;
using Ipv6Agent.Testbed.Instances;
using Ipv6Agent.Testing;

namespace Ipv6Agent.EndToEnd;

/// <summary><c>ipv6-agent run</c> inside an instance, as its service: started, killed or stopped by pid.</summary>
internal sealed class BackgroundAgent : IAsyncDisposable
{
    private readonly Instance _instance;
    private readonly Process _process;

    private BackgroundAgent(Instance instance, Process process)
    {
        _instance = instance;
        _process = process;
    }

    /// <summary>Starts it and waits until its first pass wrote a report (systemd's READY=1).</summary>
    public static async Task<BackgroundAgent> StartAsync(Instance instance)
    {
        var status = instance.PathOf("/run/ipv6-agent/status.json");
        var before = File.Exists(status) ? File.GetLastWriteTimeUtc(status) : DateTime.MinValue;
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "scripts", "agent"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { instance.Folder, await AgentBinary.PathAsync(), "run" }) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        var log = Path.Combine(instance.Folder, "log", "agent-run.log");
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } l) File.AppendAllText(log, l + "\n"); };
        process.OutputDataReceived += (_, e) => { if (e.Data is { } l) File.AppendAllText(log, l + "\n"); };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var agent = new BackgroundAgent(instance, process);
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(status) || File.GetLastWriteTimeUtc(status) <= before)
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromMinutes(3))
                Assert.Fail($"{instance.Name}: ipv6-agent run did not finish its first pass: {(File.Exists(log) ? File.ReadAllText(log) : "")}");
            await Task.Delay(100);
        }
        return agent;
    }

    /// <summary>The agent's own pid (scripts/agent execs it, so it is the one it recorded).</summary>
    private int Pid => int.Parse(File.ReadAllText(Path.Combine(_instance.Folder, "agent.pid")).Trim(), CultureInfo.InvariantCulture);

    /// <summary>kill -9, as a crash or the OOM killer would.</summary>
    public async Task KillAsync()
    {
        await Testbed.Network.Cmd.RunAsync("kill", "-KILL", Pid.ToString(CultureInfo.InvariantCulture));
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await Testbed.Network.Cmd.RunAsync("kill", "-TERM", Pid.ToString(CultureInfo.InvariantCulture));
            try
            {
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
    }
}
