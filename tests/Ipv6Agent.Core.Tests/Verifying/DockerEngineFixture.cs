using Ipv6Agent.Testing.Docker;

namespace Ipv6Agent.Verifying;

/// <summary>One real dockerd 20.10 in its own namespace, with the offline probe image, shared by a test class.</summary>
public sealed class DockerEngineFixture : IAsyncLifetime
{
    public const string DaemonJson = """{"ipv6": true, "fixed-cidr-v6": "2001:db8:1::8/126", "storage-driver": "vfs", "ip6tables": false}""";

    private NetworkNamespace? _namespace;

    public DockerDaemon Daemon { get; private set; } = null!;

    public string WorkDir { get; } = Path.Join("/tmp", $"vf-dockerd-{Guid.NewGuid():N}"[..20]);

    public async ValueTask InitializeAsync()
    {
        _namespace = await NetworkNamespace.CreateAsync("vf-dp");
        Daemon = await DockerDaemon.StartAsync(_namespace.Name, WorkDir, DaemonJson);
        await ProbeImage.EnsureAsync(Daemon.Endpoint, WorkDir);
    }

    public async ValueTask DisposeAsync()
    {
        if (Daemon is not null) await Daemon.DisposeAsync();
        if (_namespace is not null) await _namespace.DisposeAsync();
    }
}
