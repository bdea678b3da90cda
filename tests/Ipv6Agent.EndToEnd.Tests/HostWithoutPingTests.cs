using System.Text.Json;
using Ipv6Agent.Testing;
using static Ipv6Agent.EndToEnd.Vpc;

namespace Ipv6Agent.EndToEnd;

/// <summary>
/// A host without a <c>ping</c> program (a minimal image; the .deb does not depend on iputils-ping): the agent checks its gateway
/// in-process, so a changing pass converges there instead of rolling back as if the gateway were gone.
/// </summary>
public sealed class HostWithoutPingTests
{
    [Fact]
    public async Task Apply_NoPingOnThePath_ConvergesAndTheNextPassChangesNothing()
    {
        await using var bed = await StartAsync("blog-two-instances");
        var i = bed["instance-1"];
        var bin = Directory.CreateTempSubdirectory("e2e-noping-");
        try
        {
            var agent = NoPingAgent(bin.FullName, await AgentBinary.PathAsync());

            var first = await RunAsync(i, agent);
            Assert.True(first.ExitCode == 0, $"a pass on a host without ping: {first}");
            Assert.Contains("netplan-apply", first.Actions);
            var expect = bed.Scenario.Expect.Instances[i.Name];
            Assert.True((await i.AddressesAsync("ens5")).ToHashSet().SetEquals(expect.Ens5), "ens5 does not hold the planned addresses");

            var second = await RunAsync(i, agent);
            Assert.True(second.ExitCode == 0, $"second pass on a host without ping: {second}");
            Assert.Empty(second.Actions);
        }
        finally
        {
            bin.Delete(recursive: true);
        }
    }

    /// <summary>
    /// A wrapper that runs the agent with a PATH holding every program of this machine's PATH but <c>ping</c>: the agent and every
    /// command it runs see a host without one. It refuses to start if a <c>ping</c> is still found.
    /// </summary>
    private static string NoPingAgent(string folder, string agent)
    {
        var path = Path.Combine(folder, "path");
        Directory.CreateDirectory(path);
        foreach (var dir in new[] { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin" }.Where(Directory.Exists))
        {
            foreach (var program in Directory.EnumerateFileSystemEntries(dir))
            {
                var name = Path.GetFileName(program);
                var link = Path.Combine(path, name);
                if (name.StartsWith("ping", StringComparison.Ordinal) || File.Exists(link) || Directory.Exists(link)) continue;
                File.CreateSymbolicLink(link, program);
            }
        }

        var wrapper = Path.Combine(folder, "ipv6-agent");
        File.WriteAllText(wrapper, $"""
            #!/bin/sh
            PATH={path}
            export PATH
            if command -v ping >/dev/null 2>&1; then echo "ping is still on PATH" >&2; exit 99; fi
            exec {agent} "$@"

            """);
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return wrapper;
    }

    private static async Task<AgentRun> RunAsync(Testbed.Instances.Instance instance, string agent)
    {
        var r = await instance.AgentAsync(agent, "apply", "--json");
        JsonElement? report = r.StdOut.TrimStart().StartsWith('{') ? JsonDocument.Parse(r.StdOut).RootElement.Clone() : null;
        var run = new AgentRun(r.ExitCode, report, r.StdOut, r.StdErr);
        TestContext.Current.SendDiagnosticMessage($"{instance.Name}: ipv6-agent apply --json (no ping) → {run}");
        return run;
    }
}
