using System.Net;
using Ipv6Agent.Addressing;
using Ipv6Agent.Testbed;
using Ipv6Agent.Testbed.Cleanup;
using Ipv6Agent.Testbed.Scenarios;
using static Ipv6Agent.EndToEnd.Vpc;

namespace Ipv6Agent.EndToEnd;

/// <summary>The simulated VPC itself, without the agent: so a failing scenario is the agent's fault.</summary>
public sealed class TestbedTests
{
    /// <summary>The router's DHCPv6 server (for booted instances): a SOLICIT gets every ENI address, the client's id and IAID back.</summary>
    [Fact]
    public void Dhcpv6_Solicit_AdvertisesEveryEniAddress()
    {
        byte[] solicit = [1, 0xab, 0xcd, 0xef, 0, 1, 0, 4, 9, 9, 9, 9, 0, 3, 0, 12, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0];
        IPAddress[] addresses = [IPAddress.Parse("2001:db8:47b:ca03::8"), IPAddress.Parse("2001:db8:47b:ca03::1:1")];
        var reply = Testbed.Network.Dhcpv6.Answer(solicit, [0x12, 0x66, 0x30, 0xb8, 0xc1, 0x01], addresses, 450, 140)!;
        Assert.Equal(2, reply[0]); // ADVERTISE
        Assert.Equal(solicit[1..4], reply[1..4]);
        var text = Convert.ToHexString(reply);
        Assert.Contains("0001000409090909", text, StringComparison.Ordinal); // the client id, echoed
        Assert.Contains("0003004401020304", text, StringComparison.Ordinal); // IA_NA with the client's IAID, two addresses
        foreach (var a in addresses) Assert.Contains(Convert.ToHexString(a.GetAddressBytes()) + "0000008C000001C2", text, StringComparison.Ordinal);
        Assert.Null(Testbed.Network.Dhcpv6.Answer([7, 0, 0, 0, 0, 1, 0, 4, 9, 9, 9, 9], [1, 2, 3, 4, 5, 6], addresses, 450, 140)); // a REPLY is not for a server
    }

    [Fact]
    public async Task Testbed_BootState_IsWhatEc2Leaves()
    {
        await using var bed = await StartAsync("blog-two-instances");
        var i = bed["instance-1"];
        var ens5 = await i.AddressesAsync("ens5");
        Assert.Equal(i.Spec.Ipv6s.Select(a => new PrefixedAddress(a, 128)).ToHashSet(), ens5.ToHashSet());
        var route = await Testbed.Network.Cmd.RunAsync("ip", "-n", i.Namespace, "-6", "route", "show", "default");
        Assert.Contains("proto ra", route.StdOut, StringComparison.Ordinal);
        Assert.Contains("noprefixroute", (await Testbed.Network.Cmd.RunAsync("ip", "-n", i.Namespace, "-6", "addr", "show", "dev", "ens5")).StdOut, StringComparison.Ordinal);
        Assert.True(File.Exists(i.PathOf("/etc/netplan/50-cloud-init.yaml")));
    }

    [Fact]
    public async Task Testbed_BlogRecipeByHand_ContainersReachEachOtherAndTheInternet()
    {
        await using var bed = await StartAsync("blog-two-instances");
        await HandRecipe.ApplyAsync(bed["instance-1"], IPNetwork.Parse("2001:db8:47b:ca03::8/126"), [P("2001:db8:47b:ca03::1:1/64")]);
        await HandRecipe.ApplyAsync(bed["instance-2"], IPNetwork.Parse("2001:db8:47b:ca03::c/126"), [P("2001:db8:47b:ca03::2:2/64")]);
        await AssertAddressesAsync(bed);
        await AssertPingsAsync(bed);
    }

    [Fact]
    public async Task Testbed_Dispose_LeavesNoNamespaceDaemonOrFolder()
    {
        string run;
        await using (var bed = await StartAsync("blog-two-instances"))
        {
            run = bed.Run;
            Assert.NotNull(bed["instance-1"].DockerdPid);
        }

        Assert.DoesNotContain((await Sweeper.NamespacesAsync()), n => n.StartsWith(run, StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine("/tmp", run)));
        var leftovers = Directory.EnumerateDirectories("/proc")
            .Select(d => Path.Combine(d, "cmdline"))
            .Where(f => { try { return File.ReadAllText(f).Contains(run, StringComparison.Ordinal); } catch (IOException) { return false; } })
            .ToList();
        Assert.Empty(leftovers);
    }

    [Fact]
    public void Scenarios_EveryFileLoads()
    {
        foreach (var name in ScenarioLoader.Names())
        {
            var s = ScenarioLoader.Load(name);
            Assert.NotEmpty(s.Instances);
        }
    }

    private static PrefixedAddress P(string s) => PrefixedAddress.TryParse(s, out var p) ? p : throw new FormatException(s);
}
