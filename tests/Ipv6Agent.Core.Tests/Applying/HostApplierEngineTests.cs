using Docker.DotNet.Models;
using Ipv6Agent.Configuration;
using Ipv6Agent.Engine;
using Ipv6Agent.Verifying;

namespace Ipv6Agent.Applying;

/// <summary>
/// Docker's restart starts while the host proves its new network only when the engine (a real dockerd 20.10) runs no
/// container: a rollback then stops nothing that ran. The restart command here only logs, and, as Docker does for an IPv6
/// bridge, turns IPv6 forwarding on.
/// </summary>
public sealed class HostApplierEngineTests(DockerEngineFixture engine) : IClassFixture<DockerEngineFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Apply_EngineRunsNoContainer_RestartsDockerBeforeTheNetworkIsProven()
    {
        await using var host = await ApplierHost.StartAsync();

        var outcome = await Applier(host).ApplyAsync(Rendering.BlogPlan.Create(), ApplierHost.Edits(), Ct);

        Assert.Null(outcome.Error);
        Assert.Equal([HostApplier.NetplanApply, HostApplier.DockerRestart], outcome.Actions);
        Assert.Equal(["netplan-apply new-netplan", "docker-restart " + ApplierHost.NewDaemonJson], host.Runs);
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
            ["netplan-apply new-netplan", "docker-restart " + ApplierHost.NewDaemonJson, "netplan-apply absent", "docker-restart " + ApplierHost.OldDaemonJson],
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
        using var session = await DockerConnection.ConnectAsync(engine.Daemon.Endpoint, TimeSpan.FromSeconds(10), Ct);
        var name = $"vf-running-{Guid.NewGuid():N}"[..20];
        await session.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = name, Image = DockerProbeImage, Cmd = ["sleep", "120"], HostConfig = new HostConfig { NetworkMode = "none" },
        }, Ct);
        try
        {
            await session.Client.Containers.StartContainerAsync(name, new ContainerStartParameters(), Ct);

            var outcome = await Applier(host, gatewayAnswers: false).ApplyAsync(Rendering.BlogPlan.Create(), ApplierHost.Edits(), Ct);

            Assert.EndsWith("The previous netplan files were restored and applied again; nothing else was changed.", outcome.Error);
            Assert.Equal(["netplan-apply new-netplan", "netplan-apply absent"], host.Runs);
            Assert.Equal(ApplierHost.OldDaemonJson + "\n", host.Read(ApplierHost.DaemonJson));
            Assert.Equal("0\n", host.Forwarding);
        }
        finally
        {
            await session.Client.Containers.RemoveContainerAsync(name, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        }
    }

    private static readonly string DockerProbeImage = new ProbeOptions().Image;

    private HostApplier Applier(ApplierHost host, bool gatewayAnswers = true)
    {
        var forwarding = host.Root.Full(HostApplier.ForwardingPath);
        var options = host.Options(dockerRestart: host.DockerLogs + $"; if grep -q ipv6 {host.Root.Full(ApplierHost.DaemonJson)}; then echo 1 > {forwarding}; fi") with
        {
            Docker = new DockerOptions { Endpoint = engine.Daemon.Endpoint },
        };
        return host.Applier(options, gatewayAnswers);
    }
}
