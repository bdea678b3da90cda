using System.Globalization;
using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Ipv6Agent.Addressing;
using Ipv6Agent.Configuration;
using Ipv6Agent.Engine;
using Ipv6Agent.Planning;
using Ipv6Agent.Reporting;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Verifying;

/// <summary>
/// Checks that Docker does what the plan says, from the kernel and from inside a short-lived container on the default bridge:
/// <c>docker-bridge</c>, <c>container-address</c>, <c>docker-route</c>, and <c>ping TARGET</c> per configured target.
/// A failing step is a failed check with a reason, never an exception; only cancellation throws.
/// </summary>
/// <param name="root">The configured root: the kernel is read from <c>{root}/proc/net</c> (<see cref="BridgeKernelChecks"/>).</param>
internal sealed partial class DockerProbe(Uri endpoint, string root, ILogger<DockerProbe> logger, TimeProvider time, DockerProbeLimits? limits = null)
{
    public const string Bridge = BridgeKernelChecks.Bridge;
    public const string ProbeLabel = "ipv6-agent.probe";

    private readonly DockerProbeLimits _limits = limits ?? new DockerProbeLimits();
    private readonly BridgeKernelChecks _kernel = new(root, time, (limits ?? new DockerProbeLimits()).TentativeWait);

    /// <param name="pingAfter">
    /// Work the caller does meanwhile (the firewall's sync) that the pings must see done: the container is created and started
    /// while it runs, since starting one costs the engine a second or more, and the pings prove the host with it in force.
    /// Its failure is the caller's to observe; the probe only waits for it.
    /// </param>
    public async Task<IReadOnlyList<CheckReport>> RunAsync(NetworkPlan plan, ProbeOptions probe, CancellationToken ct, Task? pingAfter = null)
    {
        var name = $"ipv6-agent-probe-{Guid.NewGuid():N}"[..29];
        CheckReport address;
        CheckReport? bridge = null;
        var pings = new List<CheckReport>();
        DockerSession? session = null;
        var created = false;
        try
        {
            try
            {
                session = await DockerConnection.ConnectAsync(endpoint, _limits.Request, ct).ConfigureAwait(false);
                LogConnected(logger, endpoint, session.EngineVersion, session.ApiVersion);
                // Independent requests go together: on a loaded host every engine round trip counts.
                var removing = RemoveLeftoversAsync(session.Client, ct);
                var ensuring = EnsureImageAsync(session.Client, probe.Image, ct);
                await Task.WhenAll(removing, ensuring).ConfigureAwait(false);
                if (await ensuring.ConfigureAwait(false) is { } imageError) throw new ProbeFailedException(imageError);

                created = true; // from here on a container may exist under this name, even if create fails half-way
                await CreateAndStartAsync(session.Client, name, probe.Image, ct).ConfigureAwait(false);
                var inspecting = session.Client.Containers.InspectContainerAsync(name, ct);
                // Before pinging: a docker0 that just came up for this container holds its gateway address tentative for a
                // second or two (duplicate address detection), and echoes sent meanwhile come back late, in a burst
                // (measured: 2024/1024/24 ms). Docker gives the container's own address nodad, so only docker0 needs the wait.
                // Only the first container after docker0 got its address pays it: the kernel does not repeat DAD when the
                // bridge loses its last port and gets one again, so a pass on a converged host does not wait.
                bridge = await _kernel.BridgeAsync(plan, ct).ConfigureAwait(false);
                address = AddressCheck(plan, await inspecting.ConfigureAwait(false));
                if (pingAfter is not null) await Task.WhenAny(pingAfter).WaitAsync(ct).ConfigureAwait(false);
                pings.AddRange(await PingAllAsync(session.Client, name, probe.Targets, ct).ConfigureAwait(false));
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is ProbeFailedException or DockerApiException or HttpRequestException
                                          or IOException or TimeoutException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                var why = e switch
                {
                    ProbeFailedException => e.Message,
                    DockerApiException api => $"Docker engine error: {ApiMessage(api)}",
                    OperationCanceledException or TimeoutException => $"the Docker engine at {endpoint} did not answer in time",
                    _ => $"the Docker engine at {endpoint} does not answer: {e.Message}",
                };
                LogProbeFailed(logger, why);
                address = new CheckReport("container-address", false, why);
                pings = probe.Targets.Select(t => new CheckReport($"ping {t}", false, $"no probe container: {why}")).ToList();
            }

            // The kernel checks run while the container holds docker0 up: with no container, docker0 has no carrier.
            bridge ??= await _kernel.BridgeAsync(plan, ct).ConfigureAwait(false);
            var route = _kernel.Route(plan);
            return [bridge, address, route, .. pings];
        }
        finally
        {
            if (session is not null)
            {
                if (created) await DiscardAsync(session.Client, name).ConfigureAwait(false);
                session.Dispose();
            }
        }
    }

    private async Task<string?> EnsureImageAsync(DockerClient client, string image, CancellationToken ct)
    {
        if (await HasImageAsync(client, image, ct).ConfigureAwait(false)) return null;
        // The configuration refuses a bad reference (exit 78); options built in code are held to the same grammar here.
        if (!ImageReference.TryParse(image, out var reference, out var why))
            return $"probe image '{image}' {why}";
        LogPulling(logger, image);
        var (repository, tag) = (reference.Repository, reference.PullTag);
        string? error = null;
        var progress = new Progress<JSONMessage>(m => error = m.Error?.Message ?? error);
        using var pull = CancellationTokenSource.CreateLinkedTokenSource(ct);
        pull.CancelAfter(_limits.Pull);
        try
        {
            await client.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = repository, Tag = tag }, null, progress, pull.Token)
                .ConfigureAwait(false);
        }
        catch (DockerApiException e)
        {
            error = ApiMessage(e);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            error = $"no answer within {_limits.Pull.TotalSeconds:0} s";
        }

        if (await HasImageAsync(client, image, ct).ConfigureAwait(false)) return null;
        return $"probe image {image} is missing and could not be pulled: {error ?? "the engine reported no reason"}";
    }

    private static async Task<bool> HasImageAsync(DockerClient client, string image, CancellationToken ct)
    {
        try
        {
            await client.Images.InspectImageAsync(image, ct).ConfigureAwait(false);
            return true;
        }
        catch (DockerImageNotFoundException)
        {
            return false;
        }
    }

    private async Task CreateAndStartAsync(DockerClient client, string name, string image, CancellationToken ct)
    {
        var lifetime = ((int)_limits.ContainerLifetime.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = name,
            Image = image,
            // PID 1 in its namespace ignores signals it has no handler for: the trap lets a TERM end it at once, which the engine
            // answers without waiting (a KILL waits for the stop, ~0.5 s under load), and the sleep bounds a probe left behind.
            Cmd = ["sh", "-c", $"trap 'exit 0' TERM; sleep {lifetime} & wait"],
            Labels = new Dictionary<string, string> { [ProbeLabel] = "true" },
            // The engine removes it once it stops (DiscardAsync kills it): removing it ourselves waited ~0.6 s per pass for
            // the engine to unmount and delete its layer, a sixth of a pass on a converged host.
            HostConfig = new HostConfig { NetworkMode = "bridge", AutoRemove = true },
        }, ct).ConfigureAwait(false);
        await client.Containers.StartContainerAsync(name, new ContainerStartParameters(), ct).ConfigureAwait(false);
        LogStarted(logger, name, image);
    }

    private static CheckReport AddressCheck(NetworkPlan plan, ContainerInspectResponse container)
    {
        var text = container.NetworkSettings?.Networks is { } networks && networks.TryGetValue("bridge", out var bridge)
            ? bridge.GlobalIPv6Address
            : null;
        if (string.IsNullOrEmpty(text) || !IPAddress.TryParse(text, out var address))
            return new CheckReport("container-address", false, "the probe container got no IPv6 address on the default bridge (is ipv6 enabled in daemon.json?)");
        var formatted = Ipv6.Format(address);
        return plan.DockerCidr.Contains(address)
            ? new CheckReport("container-address", true, formatted)
            : new CheckReport("container-address", false, $"{formatted} is outside the Docker CIDR {Ipv6.Format(plan.DockerCidr)}");
    }

    /// <summary>
    /// Pings every target at once, each in its own exec, all bounded by one deadline: a pass waits for its slowest target,
    /// not for the sum of them. The checks come back in the order of the targets.
    /// </summary>
    private async Task<CheckReport[]> PingAllAsync(DockerClient client, string container, IReadOnlyList<string> targets, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_limits.PingDeadline);
        return await Task.WhenAll(targets.Select(t => PingAsync(client, container, t, deadline.Token, ct))).ConfigureAwait(false);
    }

    /// <summary>
    /// The target answered when any echo of a run came back. A run that got none is repeated (a transient loss right after a
    /// Docker restart) while the deadline allows; the last run's outcome is the detail.
    /// </summary>
    private async Task<CheckReport> PingAsync(DockerClient client, string container, string target, CancellationToken deadline, CancellationToken ct)
    {
        var check = $"ping {target}";
        string detail = "not run";
        for (var attempt = 1; attempt <= _limits.PingAttempts && !deadline.IsCancellationRequested; attempt++)
        {
            string output;
            try
            {
                output = await ExecAsync(client, container, PingCommand(target), deadline).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                if (attempt == 1) detail = $"ping did not finish within {_limits.PingDeadline.TotalSeconds:0.#} s";
                break;
            }

            var summary = PingOutput.Parse(output);
            if (summary is { Ok: true })
            {
                LogPinged(logger, target, summary.Detail);
                return new CheckReport(check, true, summary.Detail);
            }

            detail = summary?.Detail ?? PingOutput.ErrorOf(output) ?? $"ping printed nothing useful: {output.Trim()}";
        }

        LogPingFailed(logger, target, detail);
        return new CheckReport(check, false, detail);
    }

    /// <summary>
    /// <c>ping -A -c 3 -i 0.2 -W 1 TARGET</c>: 3 echoes, each sent as soon as the previous one is answered (-A) and at most
    /// 0.2 s apart when it is not, then at most 1 s for a late reply: a few milliseconds when the target answers (0.4 s
    /// without -A), 1.4 s when it does not. busybox's and iputils' ping take the same options alike; 0.2 s is the shortest
    /// interval iputils allows a user who is not root, and its -A keeps that floor for one.
    /// </summary>
    internal static string[] PingCommand(string target) => ["ping", "-A", "-c", "3", "-i", "0.2", "-W", "1", target];

    private static async Task<string> ExecAsync(DockerClient client, string container, IList<string> command, CancellationToken ct)
    {
        var exec = await client.Exec.CreateContainerExecAsync(container, new ContainerExecCreateParameters
        {
            AttachStdout = true,
            AttachStderr = true,
            Cmd = command,
        }, ct).ConfigureAwait(false);
        using var stream = await client.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), ct).ConfigureAwait(false);
        var (stdout, stderr) = await stream.ReadOutputToEndAsync(ct).ConfigureAwait(false);
        return stdout + stderr;
    }

    /// <summary>Removes probe containers a killed pass left behind (passes never overlap: the reconcile lock).</summary>
    private async Task RemoveLeftoversAsync(DockerClient client, CancellationToken ct)
    {
        var leftovers = await client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{ProbeLabel}=true"] = true } },
        }, ct).ConfigureAwait(false);
        foreach (var leftover in leftovers) await RemoveAsync(client, leftover.ID).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends the probe container on every path, cancellation included, with its own bounded token: a TERM (the engine answers
    /// once it is sent; the container's trap exits and the engine removes it: AutoRemove), or, when that cannot (never
    /// started, already stopped, an engine error), a forced remove.
    /// </summary>
    private async Task DiscardAsync(DockerClient client, string container)
    {
        using var cleanup = new CancellationTokenSource(_limits.Request);
        try
        {
            await client.Containers.KillContainerAsync(container, new ContainerKillParameters { Signal = "TERM" }, cleanup.Token).ConfigureAwait(false);
            LogKilled(logger, container);
            return;
        }
        catch (DockerContainerNotFoundException)
        {
            return; // never created, or already removed by the engine
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException or OperationCanceledException)
        {
            // Not running (created but never started, or stopped): AutoRemove applies only to a container that ran.
        }

        await RemoveAsync(client, container).ConfigureAwait(false);
    }

    /// <summary>Removes the container with its own bounded token, not the caller's; one the engine is removing already is fine.</summary>
    private async Task RemoveAsync(DockerClient client, string container)
    {
        using var cleanup = new CancellationTokenSource(_limits.Request);
        try
        {
            await client.Containers.RemoveContainerAsync(container, new ContainerRemoveParameters { Force = true }, cleanup.Token)
                .ConfigureAwait(false);
            LogRemoved(logger, container);
        }
        catch (DockerContainerNotFoundException)
        {
            // Never created (create failed or was cancelled before the engine made it), or the engine removed it meanwhile.
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict && e.ResponseBody?.Contains("already in progress", StringComparison.Ordinal) == true)
        {
            // A killed probe the engine is removing (AutoRemove): a pass that starts right after the previous one lists it.
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException or OperationCanceledException)
        {
            LogRemoveFailed(logger, container, e.Message);
        }
    }

    /// <summary>What a pull of <paramref name="image"/> asks the engine for (see <see cref="ImageReference.PullTag"/>).</summary>
    internal static (string Repository, string Tag) SplitImage(string image)
    {
        var reference = ImageReference.Parse(image);
        return (reference.Repository, reference.PullTag);
    }

    private static string ApiMessage(DockerApiException e)
    {
        if (string.IsNullOrWhiteSpace(e.ResponseBody)) return e.StatusCode.ToString();
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(e.ResponseBody);
            if (json.RootElement.TryGetProperty("message", out var message)) return message.GetString() ?? e.ResponseBody;
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return e.ResponseBody.Trim();
    }

    private sealed class ProbeFailedException(string message) : Exception(message);

    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Docker engine {Endpoint}: version {EngineVersion}, API pinned to {ApiVersion}")]
    private static partial void LogConnected(ILogger logger, Uri endpoint, string engineVersion, System.Version apiVersion);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Probe image {Image} is missing: pulling it")]
    private static partial void LogPulling(ILogger logger, string image);

    [LoggerMessage(EventId = 302, Level = LogLevel.Debug, Message = "Started probe container {Name} from {Image}")]
    private static partial void LogStarted(ILogger logger, string name, string image);

    [LoggerMessage(EventId = 303, Level = LogLevel.Information, Message = "ping {Target} from the probe container: {Detail}")]
    private static partial void LogPinged(ILogger logger, string target, string detail);

    [LoggerMessage(EventId = 304, Level = LogLevel.Warning, Message = "ping {Target} from the probe container failed: {Detail}")]
    private static partial void LogPingFailed(ILogger logger, string target, string detail);

    [LoggerMessage(EventId = 305, Level = LogLevel.Warning, Message = "Docker probe failed: {Reason}")]
    private static partial void LogProbeFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 306, Level = LogLevel.Debug, Message = "Removed probe container {Container}")]
    private static partial void LogRemoved(ILogger logger, string container);

    [LoggerMessage(EventId = 308, Level = LogLevel.Debug, Message = "Stopping probe container {Container}; the engine removes it")]
    private static partial void LogKilled(ILogger logger, string container);

    [LoggerMessage(EventId = 307, Level = LogLevel.Warning, Message = "Could not remove probe container {Container}: {Reason}")]
    private static partial void LogRemoveFailed(ILogger logger, string container, string reason);
}
