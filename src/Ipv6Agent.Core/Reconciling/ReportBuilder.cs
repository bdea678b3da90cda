using Ipv6Agent.Addressing;
using Ipv6Agent.Imds;
using Ipv6Agent.Planning;
using Ipv6Agent.Rendering;
using Ipv6Agent.Reporting;

namespace Ipv6Agent.Reconciling;

/// <summary>Maps the pipeline's values into the contract's report shape (addresses in RFC 5952 text, host paths).</summary>
internal static class ReportBuilder
{
    public static InstanceReport Instance(ImdsSnapshot imds, NetworkPlan? plan) =>
        new(imds.InstanceId, imds.Region, imds.Interface.Mac.ToString(), plan?.InterfaceName, imds.Interface.InterfaceId);

    public static PlanReport Plan(NetworkPlan plan) =>
        new(plan.Source == AddressSource.Prefix ? "prefix" : "block",
            plan.HostAddresses.Select(a => a.ToString()).ToList(),
            Ipv6.Format(plan.Gateway),
            Ipv6.Format(plan.DockerCidr),
            Ipv6.Format(plan.DockerGateway));

    public static IReadOnlyList<ChangeReport> Changes(IEnumerable<FileEdit> edits, bool withDiffs) =>
        edits.Select(e => new ChangeReport(e.Path, e.Action,
                withDiffs && e.Changes ? UnifiedDiff.Create(e.Path, e.Current, e.Desired) : null))
             .ToList();
}
