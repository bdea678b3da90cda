using Ipv6Agent.Testing.Docker;

namespace Ipv6Agent.Verifying;

public sealed class PingOutputTests
{
    [Fact]
    public void Parse_BusyboxAllAnswered_CountsAndAverage()
    {
        const string output = """
            PING 2001:db8:1::9 (2001:db8:1::9): 56 data bytes
            64 bytes from 2001:db8:1::9: seq=0 ttl=64 time=0.129 ms
            64 bytes from 2001:db8:1::9: seq=1 ttl=64 time=0.096 ms
            64 bytes from 2001:db8:1::9: seq=2 ttl=64 time=0.217 ms

            --- 2001:db8:1::9 ping statistics ---
            3 packets transmitted, 3 packets received, 0% packet loss
            round-trip min/avg/max = 0.096/0.214/0.129 ms
            """;

        var summary = PingOutput.Parse(output);

        Assert.Equal(new PingSummary(3, 3, 0.214, null), summary);
        Assert.Equal("3/3, 0.2 ms", summary!.Detail);
        Assert.True(summary.Ok);
    }

    [Fact]
    public void Parse_BusyboxNothingAnswered_IsAFailureWithLoss()
    {
        const string output = """
            PING 2001:db8:dead::1 (2001:db8:dead::1): 56 data bytes

            --- 2001:db8:dead::1 ping statistics ---
            3 packets transmitted, 0 packets received, 100% packet loss
            """;

        var summary = PingOutput.Parse(output)!;

        Assert.False(summary.Ok);
        Assert.Equal("0/3, 100% packet loss", summary.Detail);
    }

    [Fact]
    public void Parse_IputilsPartial_CountsAndAverage()
    {
        const string output = """
            PING 2001:db8:1::a(2001:db8:1::a) 56 data bytes
            64 bytes from 2001:db8:1::a: icmp_seq=2 ttl=64 time=1.68 ms
            64 bytes from 2001:db8:1::a: icmp_seq=3 ttl=64 time=1.70 ms

            --- 2001:db8:1::a ping statistics ---
            3 packets transmitted, 2 received, 33.3333% packet loss, time 2039ms
            rtt min/avg/max/mdev = 1.680/1.690/1.700/0.010 ms
            """;

        var summary = PingOutput.Parse(output)!;

        Assert.Equal("2/3, 1.7 ms", summary.Detail);
        Assert.True(summary.Ok);
    }

    [Fact]
    public void Parse_IputilsErrors_NamesTheError()
    {
        const string output = """
            PING 2001:db8:dead::1(2001:db8:dead::1) 56 data bytes
            From 2001:db8:1::9 icmp_seq=1 Destination unreachable: No route

            --- 2001:db8:dead::1 ping statistics ---
            3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2003ms
            """;

        var summary = PingOutput.Parse(output)!;

        Assert.Equal(new PingSummary(3, 0, null, "Destination unreachable: No route"), summary);
        Assert.Equal("0/3: Destination unreachable: No route", summary.Detail);
    }

    [Fact]
    public void Parse_BusyboxSendtoError_ReportsTheReasonWithoutTheSyscall()
    {
        const string output = """
            PING 2001:db8:dead::1 (2001:db8:dead::1): 56 data bytes
            ping: sendto: Network is unreachable
            """;

        Assert.Null(PingOutput.Parse(output));
        Assert.Equal("Network is unreachable", PingOutput.ErrorOf(output));
    }

    [Fact]
    public void ErrorOf_UnknownHost_BusyboxAndIputils()
    {
        Assert.Equal("bad address 'nowhere.invalid'", PingOutput.ErrorOf("ping: bad address 'nowhere.invalid'\n"));
        Assert.Equal("nowhere.invalid: Name or service not known", PingOutput.ErrorOf("ping: nowhere.invalid: Name or service not known\n"));
    }

    [Theory]
    [InlineData("busybox")]
    [InlineData("iputils")]
    public async Task PingCommand_BusyboxAndIputilsAcceptIt_AndParseReadsTheirAnswer(string ping)
    {
        // The probe image is configurable: its ping may be either, and both must take -A, 0.2 s intervals and -W.
        await using var ns = await NetworkNamespace.CreateAsync("vf-po", TestContext.Current.CancellationToken);
        string[] argv = ping == "busybox" ? ["busybox", .. DockerProbe.PingCommand("::1")] : DockerProbe.PingCommand("::1");

        var run = await ns.ExecAsync(argv, TestContext.Current.CancellationToken);

        Assert.True(run.ExitCode == 0, run.StandardError);
        var summary = PingOutput.Parse(run.StandardOutput);
        Assert.NotNull(summary);
        Assert.Equal(3, summary.Transmitted);
        Assert.True(summary.Ok, summary.Detail);
        Assert.Matches(@"^[123]/3, \d+\.\d ms$", summary.Detail);
    }
}
