using Ipv6Agent.Addressing;
using Ipv6Agent.Configuration;
using Ipv6Agent.Inspecting;
using Ipv6Agent.Planning;
using Ipv6Agent.Reporting;

namespace Ipv6Agent.Verifying;

/// <summary>
/// What the kernel says about Docker's bridge, read from <c>{root}/proc/net</c>: <c>docker-bridge</c> (docker0 holds
/// Docker's gateway with the CIDR's length, past duplicate address detection) and <c>docker-route</c> (the CIDR goes to
/// docker0 and nowhere else). A read that fails is a failed check with the reason, never an exception.
/// </summary>
/// <param name="root">The configured root.</param>
/// <param name="tentativeWait">How long docker0's gateway address may stay tentative before the check reports it.</param>
internal sealed class BridgeKernelChecks(string root, TimeProvider time, TimeSpan tentativeWait)
{
    public const string Bridge = "docker0";

    /// <summary>DAD ends at a random moment; a short poll reads its end within this much (each read is one small file).</summary>
    private static readonly TimeSpan TentativePoll = TimeSpan.FromMilliseconds(50);

    /// <summary><c>docker-bridge</c>, waiting (bounded) while the gateway address is still tentative.</summary>
    public async Task<CheckReport> BridgeAsync(NetworkPlan plan, CancellationToken ct)
    {
        var deadline = time.GetUtcNow() + tentativeWait;
        while (true)
        {
            var report = Read(plan, out var tentative);
            if (!tentative || time.GetUtcNow() >= deadline) return report;
            await Task.Delay(TentativePoll, time, ct).ConfigureAwait(false);
        }
    }

    private CheckReport Read(NetworkPlan plan, out bool tentative)
    {
        tentative = false;
        const string check = "docker-bridge";
        string text;
        try
        {
            text = File.ReadAllText(RootedPath.Combine(root, ProcNet.IfInet6));
        }
        catch (IOException e)
        {
            return new CheckReport(check, false, $"cannot read {ProcNet.IfInet6}: {e.Message}");
        }

        var onBridge = ProcNet.ParseIfInet6(text).Where(a => a.Device == Bridge).ToList();
        var wanted = new PrefixedAddress(plan.DockerGateway, plan.DockerCidr.PrefixLength);
        var held = onBridge.FirstOrDefault(a => a.Address.Address.Equals(plan.DockerGateway));
        if (held is null)
        {
            var has = onBridge.Where(a => !a.Address.Address.IsIPv6LinkLocal).Select(a => a.Address.ToString()).ToList();
            return new CheckReport(check, false, has.Count == 0
                ? $"{Bridge} has no global IPv6 address, expected {wanted}"
                : $"{Bridge} has {string.Join(", ", has)}, expected {wanted}");
        }

        var actual = held.Address;
        if (actual.PrefixLength != wanted.PrefixLength) return new CheckReport(check, false, $"{Bridge} has {actual}, expected {wanted}");
        if (held.DadFailed) return new CheckReport(check, false, $"{Bridge}'s {actual} failed duplicate address detection: another host uses it");
        tentative = held.Tentative;
        return tentative
            ? new CheckReport(check, false, $"{Bridge}'s {actual} is still tentative (duplicate address detection)")
            : new CheckReport(check, true, $"{Bridge} has {actual}");
    }

    /// <summary><c>docker-route</c>: the kernel routes Docker's CIDR to docker0, and nothing inside it anywhere else.</summary>
    public CheckReport Route(NetworkPlan plan)
    {
        const string check = "docker-route";
        string text;
        try
        {
            text = File.ReadAllText(RootedPath.Combine(root, ProcNet.Ipv6Route));
        }
        catch (IOException e)
        {
            return new CheckReport(check, false, $"cannot read {ProcNet.Ipv6Route}: {e.Message}");
        }

        var cidr = plan.DockerCidr;
        var inside = ProcNet.ParseIpv6Routes(text)
            .Where(r => r.Destination.PrefixLength >= cidr.PrefixLength && cidr.Contains(r.Destination.BaseAddress))
            .ToList();
        var elsewhere = inside.Where(r => r.Device != Bridge).Select(r => $"{Ipv6.Format(r.Destination)} goes to {r.Device}").Distinct().ToList();
        if (elsewhere.Count > 0)
            return new CheckReport(check, false, $"{string.Join(", ", elsewhere)}; only {Bridge} may hold the Docker CIDR {Ipv6.Format(cidr)}");
        return inside.Any(r => r.Destination.Equals(cidr))
            ? new CheckReport(check, true, $"{Ipv6.Format(cidr)} dev {Bridge}")
            : new CheckReport(check, false, $"the kernel has no route for {Ipv6.Format(cidr)} (is {Bridge} up?)");
    }
}
