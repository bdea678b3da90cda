using Ipv6Agent.Testbed.Ec2;
using static Ipv6Agent.EndToEnd.Vpc;

namespace Ipv6Agent.EndToEnd;

/// <summary>
/// Issue 12 in the simulated VPC: <c>provision: prefix</c> against the VPC's fake EC2 (SigV4 checked with the credentials
/// the IMDS hands out; a grant reaches IMDS 2 s later and is then routed to the instance, as EC2 does).
/// </summary>
public sealed class ProvisionTests
{
    [Fact]
    public async Task ProvisionPrefix_EnisWithoutPrefix_EachGetsA80FromEc2_ContainersReachEachOtherAndTheInternet_NextPassAsksNothing()
    {
        await using var bed = await StartAsync("provision-prefix");
        var (i1, i2) = (bed["instance-1"], bed["instance-2"]);

        var run = await ApplyAsync(i1);

        Assert.True(run.ExitCode == 0, $"instance-1: {run}");
        Assert.Equal("prefix", run.Report!.Value.GetProperty("plan").GetProperty("source").GetString());
        Assert.Equal("ec2-assign-prefix", run.Actions.First());
        Assert.Equal(["DescribeNetworkInterfaces 200", "AssignIpv6Addresses 200"], Ec2Calls(bed));
        var run2 = await ApplyAsync(i2);
        Assert.True(run2.ExitCode == 0, $"instance-2: {run2}");
        Assert.Equal(4, Ec2Calls(bed).Count);

        await AssertAddressesAsync(bed);
        await AssertPingsAsync(bed);
        // Container to container, each by its own address from its instance's /80.
        foreach (var (from, to) in new[] { (i1, i2), (i2, i1) })
        {
            var target = Assert.Single(await Testbed.Testbed.ContainerAddressesAsync(to, await ContainerAsync(to)));
            var ping = await Testbed.Testbed.PingFromContainerAsync(from, await ContainerAsync(from), target);
            Assert.True(ping.Ok, $"{from.Name}'s container → {to.Name}'s container {target}: {ping.StdOut}{ping.StdErr}");
        }
        await AssertInternetSeesContainerAddressAsync(bed, i1);
        await AssertSecondApplyChangesNothingAsync(i1);
        await AssertSecondApplyChangesNothingAsync(i2);
        Assert.Equal(4, Ec2Calls(bed).Count);
    }

    /// <summary>
    /// UnauthorizedOperation on an ENI with a block: degraded (exit 1) on the block, the check naming the IAM policy. Then
    /// each fault on an ENI with neither a prefix nor a block: the pass fails with a sentence that says what to do, and the
    /// host is as it was. Throttling is retried (standard mode): the pass after it converges.
    /// </summary>
    [Fact]
    public async Task ProvisionPrefix_Ec2Faults_EachFailsSayingWhy_HostUnchanged_ThrottlingIsRetried()
    {
        await using var bed = await StartAsync("provision-prefix");
        File.WriteAllText(Path.Combine(bed.Folder, Ec2Host.FaultFile), "UnauthorizedOperation");
        var withBlock = await ApplyAsync(bed["instance-2"]);
        Assert.True(withBlock.ExitCode == 1, $"instance-2 (has a block), UnauthorizedOperation: expected exit 1 (degraded), got {withBlock}");
        Assert.Equal("block", withBlock.Report!.Value.GetProperty("plan").GetProperty("source").GetString());
        var check = withBlock.Report.Value.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "ec2-assign-prefix");
        Assert.False(check.GetProperty("ok").GetBoolean());
        Assert.Contains("{\"Effect\":\"Allow\",\"Action\":\"ec2:DescribeNetworkInterfaces\",\"Resource\":\"*\"}", check.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(Ip("2001:db8:47b:ca03::d"), (await bed["instance-2"].AddressesAsync("docker0")).Select(a => a.Address));

        var i = bed["instance-1"];
        var before = Snapshot(i);
        var ens5 = await i.AddressesAsync("ens5");
        var pid = i.DockerdPid;

        foreach (var (fault, why) in new[]
        {
            ("UnauthorizedOperation", "\"Action\":\"ec2:AssignIpv6Addresses\",\"Resource\":\"arn:aws:ec2:us-east-1:*:network-interface/"),
            ("PrefixLimitExceeded", "at its instance type's limit of IPv6 addresses per ENI"),
            ("Hang", "EC2 did not answer AssignIpv6Addresses for eni-"),
        })
        {
            File.WriteAllText(Path.Combine(bed.Folder, Ec2Host.FaultFile), fault);
            var run = await ApplyAsync(i);
            Assert.True(run.ExitCode == 2, $"{fault}: expected exit 2, got {run}");
            var error = run.Report!.Value.GetProperty("error").GetString()!;
            Assert.Contains(why, error, StringComparison.Ordinal);
            AssertSame(before, Snapshot(i), $"{fault}: files under /etc and /var/lib/ipv6-agent");
            Assert.Equal(ens5.ToHashSet(), (await i.AddressesAsync("ens5")).ToHashSet());
            Assert.Equal(pid, i.DockerdPid);
            Assert.Empty(await i.AddressesAsync("docker0"));
        }

        File.WriteAllText(Path.Combine(bed.Folder, Ec2Host.FaultFile), "ThrottleTwice");
        var calls = Ec2Calls(bed).Count;
        var converged = await ApplyAsync(i);
        Assert.True(converged.ExitCode == 0, $"after throttling: {converged}");
        Assert.Equal(["DescribeNetworkInterfaces 503 RequestLimitExceeded", "DescribeNetworkInterfaces 503 RequestLimitExceeded",
            "DescribeNetworkInterfaces 200", "AssignIpv6Addresses 200"], Ec2Calls(bed).Skip(calls));
        Assert.Single(Ec2Calls(bed), c => c == "AssignIpv6Addresses 200");
    }

    /// <summary>The fake EC2's log (in the IMDS process's output): "ACTION STATUS [CODE]" per request.</summary>
    private static List<string> Ec2Calls(Testbed.Testbed bed) =>
        [.. File.ReadAllLines(Path.Combine(bed.Folder, "imds.log"))
            .Where(l => l.StartsWith(Ec2Host.LogPrefix, StringComparison.Ordinal) && !l.StartsWith(Ec2Host.LogPrefix + "routed", StringComparison.Ordinal))
            .Select(l => l[Ec2Host.LogPrefix.Length..].Split(' '))
            .Select(f => string.Join(' ', new[] { f[0] }.Concat(f.Skip(2))))];
}
