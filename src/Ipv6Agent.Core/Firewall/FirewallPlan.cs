using System.Net;
using Ipv6Agent.Reporting;

namespace Ipv6Agent.Firewall;

/// <summary>What a firewall sync found and would do: the script to load (if any), the agent's two files, the checks it predicts.</summary>
/// <param name="Script">The one <c>nft -f</c> transaction to load; <c>null</c> when the kernel already holds what is wanted.</param>
/// <param name="LoadedRecord">The new text of <see cref="FirewallSync.LoadedPath"/> (the agent's table as loaded; <c>null</c>: no table).</param>
/// <param name="BootRules">The new text of <see cref="FirewallSync.BootPath"/> (the closed rule set; <c>null</c>: none).</param>
/// <param name="CurrentRecord">The text of <see cref="FirewallSync.LoadedPath"/> now.</param>
/// <param name="CurrentBootRules">The text of <see cref="FirewallSync.BootPath"/> now.</param>
/// <param name="StaleRules">How many of Docker's stale IPv6 rules the script deletes.</param>
/// <param name="StaleScript">The statements that delete them (part of <see cref="Script"/>; empty when none).</param>
/// <param name="KeepLoaded">Docker did not answer: the rules loaded before stay as they are, and the files too.</param>
internal sealed record FirewallPlan(
    IPNetwork Cidr,
    string? Script,
    string? LoadedRecord,
    string? BootRules,
    string? CurrentRecord,
    string? CurrentBootRules,
    bool KeepLoaded,
    IReadOnlyList<PublishedContainer> Containers,
    int StaleRules,
    string StaleScript,
    CheckReport Firewall,
    CheckReport NoNat);
