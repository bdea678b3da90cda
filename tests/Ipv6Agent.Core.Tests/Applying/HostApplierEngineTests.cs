using Docker.DotNet.Models;
using Ipv6Agent.Configuration;
using Ipv6Agent.Engine;
using Ipv6Agent.Verifying;

namespace Ipv6Agent.Applying;

/// <summary>
/// Docker's restart starts beside netplan apply only when the engine (a real dockerd 20.10) runs no container: a rollback
/// then stops nothing that ran. The restart command here only logs, and, as Docker does for an IPv6 bridge, turns IPv6
/// forwarding on; netplan apply waits (10 s at most) until the restart has started, so the log's order proves they overlap.
/// </summary>
public sealed class HostApplierEngineTests(DockerEngineFixture engine) : IClassFixture<DockerEngineFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Apply_EngineRunsNoContainer_RestartsDockerWhileNetplanApplies()
    {
        await using var host = await ApplierHost.StartAsync();
        host.Root.Put(HostApplier.BridgeAcceptDadPath, "1\n");

        var outcome = await Applier(host).ApplyAsync(Rendering.BlogPlan.Create(), ApplierHost.Edits(), Ct);

        Assert.Null(outcome.Error);
        Assert.Equal([HostApplier.NetplanApply, HostApplier.DockerRestart], outcome.Actions);
        Assert.Equal(["docker-restart " + ApplierHost.NewDaemonJson, "dad 0", "netplan-apply new-netplan"], host.Runs);
        Assert.Equal("1\n", host.Forwarding);
        Assert.False(host.HasJournal);
    }

    /// <summary>The network proof fails after Docker restarted early: Docker back on its old daemon.json, forwarding off again.</summary>
    [Fact]
    public async Task Apply_EngineRunsNoContainerAndTheNetworkFails_PutsDockerAndForwardingBackToo()
    {
        await using var host = await ApplierHost.StartAsync();

        var outcome = await Applier(host, gatewayAnswers: false).ApplyAsync(Rendering.BlogPlan.Create(), ApplierHost.Edits(), Ct);

        Assert.StartsWith("After the netplan change, gateway ", outcome.Error);
        Assert.Contains(
            "The previous netplan files were restored and applied again; Docker, restarted meanwhile with no container running, " +
            "was restarted with its previous daemon.json.", outcome.Error);
        Assert.Equal(
            ["docker-restart " + ApplierHost.NewDaemonJson, "netplan-apply new-netplan", "netplan-apply absent", "docker-restart " + ApplierHost.OldDaemonJson],
            host.Runs);
        Assert.Null(host.Read(ApplierHost.Netplan));
        Assert.Equal(ApplierHost.OldDaemonJson + "\n", host.Read(ApplierHost.DaemonJson));
        Assert.Equal("0\n", host.Forwarding);
        Assert.False(host.HasJournal);
    }

    /// <summary>A container runs: Docker is not touched until the network is proven, so a failed proof leaves it running.</summary>
    [Fact]
    public async Task Apply_EngineRunsAContainerAndTheNetworkFails_NeverRestartsDocker()
    {
        await using var host = await ApplierHost.StartAsync();
        await using var running = await RunningContainerAsync(labels: new Dictionary<string, string>());

        var outcome = await Applier(host, gatewayAnswers: false, netplanWaitsForRestart: false)
            .ApplyAsync(Rendering.BlogPlan.Create(), ApplierHost.Edits(), Ct);

        Assert.EndsWith("The previous netplan files were restored and applied again; nothing else was changed.", outcome.Error);
        Assert.Equal(["netplan-apply new-netplan", "netplan-apply absent"], host.Runs);
        Assert.Equal(ApplierHost.OldDaemonJson + "\n", host.Read(ApplierHost.DaemonJson));
        Assert.Equal("0\n", host.Forwarding);
    }

    /// <summary>Only the agent's own probe runs (a previous pass's, ending): the engine still counts as idle.</summary>
    [Fact]
    public async Task Apply_EngineRunsOnlyAProbeContainer_StillRestartsDockerWhileNetplanApplies()
    {
        await using var host = await ApplierHost.StartAsync();
        await using var probe = await RunningContainerAsync(labels: new Dictionary<string, string> { [DockerProbe.ProbeLabel] = "true" });

        var outcome = await Applier(host).ApplyAsync(Rendering.BlogPlan.Create(), ApplierHost.Edits(), Ct);

        Assert.Null(outcome.Error);
        Assert.Equal(["docker-restart " + ApplierHost.NewDaemonJson, "netplan-apply new-netplan"], host.Runs);
    }

    /// <summary>A container running <c>sleep</c> (no network) on the engine with these labels; disposing it removes it.</summary>
    private async Task<RunningContainer> RunningContainerAsync(IDictionary<string, string> labels)
    {
        var session = await DockerConnection.ConnectAsync(engine.Daemon.Endpoint, TimeSpan.FromSeconds(10), Ct);
        var container = new RunningContainer(session, $"vf-running-{Guid.NewGuid():N}"[..20]);
        try
        {
            await session.Client.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Name = container.Name, Image = new ProbeOptions().Image, Cmd = ["sleep", "120"], Labels = labels,
                HostConfig = new HostConfig { NetworkMode = "none" },
            }, Ct);
            await session.Client.Containers.StartContainerAsync(container.Name, new ContainerStartParameters(), Ct);
            return container;
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }
    }

    private sealed record RunningContainer(DockerSession Session, string Name) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await Session.Client.Containers.RemoveContainerAsync(Name, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
            }
            catch (Docker.DotNet.DockerContainerNotFoundException)
            {
                // create failed: nothing to remove
            }
            finally
            {
                Session.Dispose();
            }
        }
    }

    /// <param name="netplanWaitsForRestart">netplan apply logs only once the restart has (or 10 s have passed).</param>
    private HostApplier Applier(ApplierHost host, bool gatewayAnswers = true, bool netplanWaitsForRestart = true)
    {
        var forwarding = host.Root.Full(HostApplier.ForwardingPath);
        var netplanApply = netplanWaitsForRestart
            ? $"for i in $(seq 100); do grep -q docker-restart {host.LogPath} 2>/dev/null && break; sleep 0.1; done; {host.NetplanLogs}"
            : host.NetplanLogs;
        // The restart also logs docker0's duplicate address detection as it found it (the bridge outlives dockerd): "dad 0".
        var dad = host.Root.Full(HostApplier.BridgeAcceptDadPath);
        var options = host.Options(netplanApply, host.DockerLogs + $"; if grep -q ipv6 {host.Root.Full(ApplierHost.DaemonJson)}; then echo 1 > {forwarding}; fi" +
                                                 $"; if [ -f {dad} ]; then echo \"dad $(cat {dad})\" >> {host.LogPath}; fi") with
        {
            Docker = new DockerOptions { Endpoint = engine.Daemon.Endpoint },
        };
        return host.Applier(options, gatewayAnswers);
    }
}
