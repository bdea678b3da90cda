using System.Globalization;
using System.Net;
using Docker.DotNet;
using Ipv6Agent.Addressing;
using Ipv6Agent.Applying;
using Ipv6Agent.Configuration;
using Ipv6Agent.Reporting;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Firewall;

/// <summary>
/// Keeps the kernel's rules for Docker's CIDR as <c>firewall:</c> says: reads the host's rule set
/// (<c>commands.firewall-read</c>) and Docker's containers, renders the agent's table, and loads it with stale Docker NAT66
/// removed in one transaction through <c>commands.firewall-load</c>, only when something differs. Called by each pass and,
/// in <c>run</c>, by <see cref="FirewallWatcher"/> on Docker's events; one sync at a time.
/// </summary>
internal sealed partial class FirewallSync(AgentOptions options, CommandRunner commands, ILogger<FirewallSync> logger)
{
    /// <summary>The agent's table as last loaded. Under /run, as the kernel's rules, so both are gone after a reboot.</summary>
    public const string LoadedPath = "/run/ipv6-agent/firewall.nft";

    /// <summary>
    /// The closed rule set (established, ICMPv6, <c>firewall.allow</c>, no published port) that
    /// <c>ipv6-agent-firewall.service</c> loads at boot before Docker starts, so no container is ever open before the agent's
    /// first sync relaxes it. Never the published ports: after a reboot another container may hold a published address.
    /// </summary>
    public const string BootPath = "/var/lib/ipv6-agent/firewall-boot.nft";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);
    private static readonly UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly AtomicFileWriter _writer = AtomicFileWriter.WithoutBackups(options.Root);
    private readonly Lock _cidrLock = new();
    private IPNetwork? _cidr;

    /// <summary>Docker's CIDR of the last pass: what the event watcher syncs for. <c>null</c> before the first pass planned.</summary>
    public IPNetwork? Cidr
    {
        get { lock (_cidrLock) return _cidr; }
        private set { lock (_cidrLock) _cidr = value; }
    }

    /// <summary>Reads everything and decides; changes nothing (the dry run).</summary>
    /// <param name="readKernel">
    /// <c>false</c> (a sync after a Docker event): trust the record of what was loaded instead of reading the host's rule
    /// set, which costs an nft process as much as the load itself; stale Docker rules and the kernel's state are checked by
    /// every pass.
    /// </param>
    public async Task<FirewallPlan> PlanAsync(IPNetwork cidr, CancellationToken ct, bool readKernel = true)
    {
        var (ruleset, readError) = readKernel ? await ReadRulesetAsync(ct).ConfigureAwait(false) : (null, null);
        IReadOnlyList<string> stale = [];
        IReadOnlySet<long> removedRules = new HashSet<long>();
        if (ruleset is not null) stale = DockerLeftovers.RemovalStatements(ruleset, cidr, out removedRules);
        var currentRecord = ReadFile(LoadedPath);
        var currentBoot = ReadFile(BootPath);
        var hasTable = ruleset?.HasTable(RulesetRenderer.Family, RulesetRenderer.TableName) ?? currentRecord is not null;
        var noNat = !readKernel ? new CheckReport("no-nat", true, "not checked between passes")
            : ruleset is null
            ? new CheckReport("no-nat", false, $"cannot read the host's rule set ({options.Commands.FirewallRead}): {readError}")
            : DockerLeftovers.NoNatCheck(ruleset, cidr, removedRules);
        var staleScript = string.Concat(stale.Select(line => line + "\n"));

        if (options.Firewall.Mode == FirewallMode.Open)
        {
            var script = (stale.Count > 0 ? staleScript : "") + (hasTable ? RulesetRenderer.Removal() : "");
            return new FirewallPlan(cidr, script.Length == 0 ? null : script, null, null, currentRecord, currentBoot, false, [], removedRules.Count, staleScript,
                new CheckReport("firewall", true, "open: every port of every container is reachable (firewall.mode: open)"), noNat);
        }

        IReadOnlyList<PublishedContainer>? containers;
        string? dockerError = null;
        try
        {
            containers = await DockerInventory.ReadAsync(options.Docker.Endpoint, cidr, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException or TimeoutException or System.Net.Sockets.SocketException
                                       or OperationCanceledException && !ct.IsCancellationRequested)
        {
            dockerError = e is OperationCanceledException ? "it did not answer in time" : e.Message;
            containers = null;
        }

        if (containers is null && hasTable)
        {
            // Closing published ports because the engine is slow to answer would break running services; the rules loaded
            // last still describe them, and the next event or pass corrects them.
            var kept = new CheckReport("firewall", false, $"Docker does not answer ({dockerError}); the rules loaded before stay in place");
            return new FirewallPlan(cidr, stale.Count > 0 ? staleScript : null, currentRecord, currentBoot, currentRecord, currentBoot, true, [], removedRules.Count, staleScript, kept, noNat);
        }

        containers ??= [];
        var table = RulesetRenderer.Table(cidr, containers, options.Firewall.Allow);
        var boot = RulesetRenderer.Table(cidr, [], options.Firewall.Allow);
        var inKernel = ruleset is null ? hasTable : hasTable && SetMatches(ruleset, containers);
        var upToDate = inKernel && string.Equals(currentRecord, table, StringComparison.Ordinal);
        var loadScript = staleScript + (upToDate ? "" : table);
        var ports = containers.Sum(c => c.Ports.Count);
        var detail = $"published: {Count(containers.Where(c => c.Ports.Count > 0).Select(c => c.Address).Distinct().Count(), "container")}, {Count(ports, "port")} open"
                     + (options.Firewall.Allow.Count > 0 ? $", allow {string.Join(" ", options.Firewall.Allow)}" : "")
                     + "; rules in place";
        var firewall = dockerError is null
            ? new CheckReport("firewall", true, detail)
            : new CheckReport("firewall", false, $"Docker does not answer ({dockerError}); every container port closed until it does");
        return new FirewallPlan(cidr, loadScript.Length == 0 ? null : loadScript, table, boot, currentRecord, currentBoot, false, containers, removedRules.Count, staleScript, firewall, noNat);
    }

    /// <summary>Plans, then loads the script and writes the agent's files when they differ. Never throws but for cancellation.</summary>
    /// <param name="readKernel">See <see cref="PlanAsync"/>: <c>false</c> for the event watcher's syncs.</param>
    public async Task<FirewallOutcome> SyncAsync(IPNetwork cidr, CancellationToken ct, bool readKernel = true)
    {
        if (readKernel) Cidr = cidr;
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var plan = await PlanAsync(cidr, ct, readKernel).ConfigureAwait(false);
            var actions = new List<string>();
            if (plan.Script is { } script)
            {
                actions.Add("firewall-load");
                var result = await commands.RunToCompletionAsync("firewall-load", options.Commands.FirewallLoad, CommandTimeout, script).ConfigureAwait(false);
                if (!result.Succeeded)
                {
                    var why = $"could not load the rule set: {result.Describe()}";
                    LogLoadFailed(logger, why);
                    return new FirewallOutcome(plan, actions, new CheckReport("firewall", false, why),
                        plan.NoNat.Ok ? plan.NoNat : plan.NoNat with { Detail = plan.NoNat.Detail + " (the removal failed to load)" });
                }
                LogLoaded(logger, Ipv6.Format(cidr), plan.Firewall.Detail, plan.StaleRules);
            }
            try
            {
                if (!plan.KeepLoaded)
                {
                    WriteOrDelete(LoadedPath, plan.CurrentRecord, plan.LoadedRecord);
                    WriteOrDelete(BootPath, plan.CurrentBootRules, plan.BootRules);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The kernel has the rules; a record that could not be written only costs one more load next time.
                LogRecordNotWritten(logger, e.Message);
            }
            return new FirewallOutcome(plan, actions, plan.Firewall, plan.NoNat);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The agent's files as a dry run's changes (the rule set to load shown as the loaded record's diff).</summary>
    public static IReadOnlyList<ChangeReport> Changes(FirewallPlan plan, bool withDiffs)
    {
        // The loaded record's diff shows the whole transaction: Docker's stale rules it deletes, then the table.
        var record = plan.KeepLoaded ? plan.CurrentRecord : plan.LoadedRecord;
        return
        [
            Change(LoadedPath, plan.CurrentRecord, record, plan.StaleScript + record, withDiffs, plan.StaleScript.Length > 0),
            Change(BootPath, plan.CurrentBootRules, plan.KeepLoaded ? plan.CurrentBootRules : plan.BootRules, plan.BootRules, withDiffs, false),
        ];
    }

    private static ChangeReport Change(string path, string? current, string? desired, string? shown, bool withDiffs, bool alwaysShow)
    {
        var action = (current, desired) switch
        {
            (null, null) => ChangeAction.Unchanged,
            (null, _) => ChangeAction.Create,
            (_, null) => ChangeAction.Delete,
            _ when string.Equals(current, desired, StringComparison.Ordinal) => ChangeAction.Unchanged,
            _ => ChangeAction.Update,
        };
        return new ChangeReport(path, action, withDiffs && (action != ChangeAction.Unchanged || alwaysShow) ? Rendering.UnifiedDiff.Create(path, current, shown) : null);
    }

    private async Task<(NftRuleset? Ruleset, string? Error)> ReadRulesetAsync(CancellationToken ct)
    {
        var result = await commands.RunAsync("firewall-read", options.Commands.FirewallRead, CommandTimeout, ct).ConfigureAwait(false);
        if (!result.Succeeded) return (null, result.Describe());
        try
        {
            return (NftRuleset.Parse(result.StandardOutput), null);
        }
        catch (FormatException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>The kernel's published set holds exactly the wanted elements (after a reboot it is the boot file's, empty).</summary>
    private static bool SetMatches(NftRuleset ruleset, IReadOnlyList<PublishedContainer> containers)
    {
        var set = ruleset.Sets.FirstOrDefault(s => s.Family == RulesetRenderer.Family && s.Table == RulesetRenderer.TableName && s.Name == "published");
        if (set is null) return false;
        var wanted = containers.SelectMany(c => c.Ports.Select(p => $"{Ipv6.Format(c.Address)} . {p.ProtocolName} . {p.Port.ToString(CultureInfo.InvariantCulture)}"))
            .ToHashSet(StringComparer.Ordinal);
        return wanted.SetEquals(set.Elements);
    }

    private string? ReadFile(string hostPath)
    {
        var path = options.PathOf(hostPath);
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void WriteOrDelete(string hostPath, string? current, string? desired)
    {
        if (string.Equals(current, desired, StringComparison.Ordinal)) return;
        if (desired is null) _writer.Delete(hostPath);
        else _writer.Write(hostPath, desired, FileMode);
    }

    private static string Count(int n, string noun) => $"{n.ToString(CultureInfo.InvariantCulture)} {noun}{(n == 1 ? "" : "s")}";

    [LoggerMessage(Level = LogLevel.Information, Message = "Firewall for {Cidr} loaded: {Detail}; {Stale} stale Docker IPv6 rule(s) removed")]
    private static partial void LogLoaded(ILogger logger, string cidr, string detail, int stale);

    [LoggerMessage(Level = LogLevel.Error, Message = "Firewall: {Reason}")]
    private static partial void LogLoadFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Firewall loaded, but its record could not be written ({Reason}); the next sync loads it again")]
    private static partial void LogRecordNotWritten(ILogger logger, string reason);
}

/// <summary>What a sync did: the commands it ran and the two checks for the report.</summary>
internal sealed record FirewallOutcome(FirewallPlan Plan, IReadOnlyList<string> Actions, CheckReport Firewall, CheckReport NoNat);
