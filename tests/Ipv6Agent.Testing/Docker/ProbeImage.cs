using System.Collections.Concurrent;
using Docker.DotNet;
using Docker.DotNet.Models;
using Ipv6Agent.Engine;
using Ipv6Agent.Verifying;

namespace Ipv6Agent.Testing.Docker;

/// <summary>
/// The probe image made offline (no registry is reachable): the static busybox in an empty root with links for
/// <c>sh ping ping6 ip sleep</c>, tarred and imported. Imported once per daemon.
/// </summary>
public static class ProbeImage
{
    public const string DefaultTag = "busybox:stable";
    public const string Busybox = "/bin/busybox";

    private static readonly string[] Links = ["sh", "ping", "ping6", "ip", "sleep"];
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new();

    /// <summary>Imports the image into the engine at <paramref name="endpoint"/> unless it has it already.</summary>
    public static async Task EnsureAsync(Uri endpoint, string workDir, string tag = DefaultTag, CancellationToken ct = default)
    {
        var gate = Gates.GetOrAdd(endpoint.ToString(), _ => new SemaphoreSlim(1));
        await gate.WaitAsync(ct);
        try
        {
            using var session = await DockerConnection.ConnectAsync(endpoint, TimeSpan.FromSeconds(30), ct);
            try
            {
                await session.Client.Images.InspectImageAsync(tag, ct);
                return;
            }
            catch (DockerImageNotFoundException)
            {
            }

            var tar = await BuildTarAsync(workDir, ct);
            var (repository, version) = DockerProbe.SplitImage(tag);
            await using var stream = File.OpenRead(tar);
            string? error = null;
            await session.Client.Images.CreateImageAsync(
                new ImagesCreateParameters { FromSrc = "-", Repo = repository, Tag = version }, stream, null,
                new Progress<JSONMessage>(m => error = m.Error?.Message ?? error), ct);
            await session.Client.Images.InspectImageAsync(tag, ct); // throws if the import did not produce it
            if (error is not null) throw new InvalidOperationException($"docker import of {tag} reported: {error}");
        }
        finally
        {
            gate.Release();
        }
    }

    private static async Task<string> BuildTarAsync(string workDir, CancellationToken ct)
    {
        if (!File.Exists(Busybox)) throw new InvalidOperationException($"{Busybox} is missing: apt-get install busybox-static");
        var rootfs = Path.Join(workDir, "probe-rootfs");
        Directory.CreateDirectory(Path.Join(rootfs, "bin"));
        File.Copy(Busybox, Path.Join(rootfs, "bin", "busybox"), overwrite: true);
        foreach (var link in Links)
        {
            var path = Path.Join(rootfs, "bin", link);
            if (!File.Exists(path)) File.CreateSymbolicLink(path, "busybox");
        }

        var tar = Path.Join(workDir, "probe-rootfs.tar");
        await Sh.CheckedAsync(["tar", "-C", rootfs, "-cf", tar, "."], ct);
        return tar;
    }
}
