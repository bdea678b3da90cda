using System.Diagnostics;
using System.Net;
using Ipv6Agent.Applying;
using Ipv6Agent.Configuration;
using Ipv6Agent.Imds;
using Ipv6Agent.Reporting;
using Ipv6Agent.Testing.Ec2;
using Ipv6Agent.Testing.Imds;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv6Agent.Provisioning;

/// <summary>
/// Issue 12 through whole passes on a temp root (no Docker engine here, so a pass that gets as far as restarting Docker
/// ends rolled back: these tests hold the plan, the actions, the checks and EC2's log; the end-to-end tests the rest): the agent's EC2 client signs (SigV4) with the credentials the fake IMDS hands
/// out, against the fake EC2 on 127.0.0.1, which verifies SigV4 and lists a granted prefix in IMDS after a delay.
/// </summary>
public sealed class ProvisioningPassTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly FakeInstance WithRole = FakeInstances.Blog with { Role = FakeRole.Random("ipv6-agent") };

    /// <summary>Two addresses: no aligned /126 with one left for the host, so without a prefix the pass cannot plan.</summary>
    private static readonly FakeInstance NoBlock = WithRole with
    {
        Enis = [WithRole.Enis[0] with { Ipv6s = ["2001:db8:47b:ca03::20", "2001:db8:47b:ca03::1:1"] }],
    };

    private const string Eni = "eni-0a1b2c3d4e5f60718";

    [Fact]
    public async Task Pass_NoPrefix_RequestsOneAndPlansWithIt_NextPassAsksNothing()
    {
        await using var env = await Env.StartAsync(WithRole);

        var first = await env.PassAsync();

        Assert.Equal("prefix", first.Plan!.Source);
        Assert.Equal("2001:db8:47b:ca03:8000::/80", first.Plan.DockerCidr);
        Assert.Equal("2001:db8:47b:ca03:8000::1", first.Plan.DockerGateway);
        Assert.Equal(PrefixProvisioner.Action, first.Actions[0]);
        Assert.Contains(first.Checks, c => c is { Name: PrefixProvisioner.Action, Ok: true } && c.Detail.Contains("EC2 delegated 2001:db8:47b:ca03:8000::/80 to " + Eni, StringComparison.Ordinal));
        Assert.Equal(["DescribeNetworkInterfaces 200", "AssignIpv6Addresses 200"], env.Ec2Calls());
        Assert.Contains("\"prefix\": \"2001:db8:47b:ca03:8000::/80\"", env.Host.Read(ProvisionState.HostPath));

        // A restart (a new provisioner and reconciler): IMDS lists the prefix now, so EC2 is not asked at all.
        var second = await env.PassAsync();

        Assert.Equal("prefix", second.Plan!.Source);
        Assert.DoesNotContain(PrefixProvisioner.Action, second.Actions);
        Assert.DoesNotContain(second.Checks, c => c.Name == PrefixProvisioner.Action);
        Assert.Equal(2, env.Ec2.Requests.Count);
    }

    [Fact]
    public async Task DryRun_NoPrefix_SaysItWouldRequest_PlansWithoutOne_NoApiCall()
    {
        await using var env = await Env.StartAsync(WithRole);

        var report = await env.PassAsync(dryRun: true);

        Assert.Equal(PrefixProvisioner.Action, report.Actions[0]);
        Assert.Equal("block", report.Plan!.Source);
        Assert.Empty(env.Ec2.Requests);
        Assert.Null(env.Host.Read(ProvisionState.HostPath));
    }

    [Fact]
    public async Task DryRun_NoPrefixNoBlock_FailsSayingApplyWouldRequestOne()
    {
        await using var env = await Env.StartAsync(NoBlock);

        var report = await env.PassAsync(dryRun: true);

        Assert.Equal(ReportResult.Failed, report.Result);
        Assert.StartsWith($"Apply would first ask EC2 for a delegated prefix for {Eni} (provision: prefix); this dry run plans without one.", report.Error);
        Assert.Empty(env.Ec2.Requests);
    }

    [Fact]
    public async Task Pass_Unauthorized_FallsBackToTheBlock_DegradedWithTheIamPolicy()
    {
        await using var env = await Env.StartAsync(WithRole);
        env.Ec2.Fault = FakeEc2Fault.UnauthorizedOperation;

        var report = await env.PassAsync();

        // Degraded on a host with Docker (the end-to-end test); here, without one, the apply itself fails afterwards.
        Assert.Equal("block", report.Plan!.Source);
        var check = Assert.Single(report.Checks, c => c.Name == PrefixProvisioner.Action);
        Assert.False(check.Ok);
        Assert.Contains(IamPolicy.For("us-east-1", Eni), check.Detail);
        Assert.Contains("\"Action\":\"ec2:AssignIpv6Addresses\",\"Resource\":\"arn:aws:ec2:us-east-1:*:network-interface/" + Eni + "\"", check.Detail);
        Assert.Contains("\"Action\":\"ec2:DescribeNetworkInterfaces\",\"Resource\":\"*\"", check.Detail);
        Assert.DoesNotContain(PrefixProvisioner.Action, report.Actions);
    }

    [Theory]
    [InlineData(FakeEc2Fault.UnauthorizedOperation, "Give the instance's role this policy: {\"Version\":\"2012-10-17\"")]
    [InlineData(FakeEc2Fault.PrefixLimitExceeded, "the ENI is at its instance type's limit of IPv6 addresses per ENI")]
    public async Task Pass_RefusedWithoutABlock_FailsNamingWhy_NothingChanged(FakeEc2Fault fault, string why)
    {
        await using var env = await Env.StartAsync(NoBlock);
        env.Ec2.Fault = fault;
        var before = env.Files();

        var report = await env.PassAsync();

        Assert.Equal(ReportResult.Failed, report.Result);
        Assert.Equal(ExitCodes.Failed, report.ExitCode);
        Assert.StartsWith("No delegated prefix: ", report.Error);
        Assert.Contains(why, report.Error);
        Assert.Contains("Without one: ENI " + Eni, report.Error);
        Assert.Equal(before, env.Files());
        Assert.Empty(env.Host.Runs);
    }

    [Fact]
    public async Task Pass_ThrottledTwice_IsRetried_AndGetsThePrefix()
    {
        await using var env = await Env.StartAsync(WithRole);
        env.Ec2.Fault = FakeEc2Fault.ThrottleTwice;

        var report = await env.PassAsync();

        Assert.Equal("prefix", report.Plan!.Source);
        Assert.Equal(["DescribeNetworkInterfaces 503 RequestLimitExceeded", "DescribeNetworkInterfaces 503 RequestLimitExceeded",
            "DescribeNetworkInterfaces 200", "AssignIpv6Addresses 200"], env.Ec2Calls());
    }

    /// <summary>
    /// AssignIpv6Addresses has no client token: after a server error EC2 may have acted, so it is not repeated. The next
    /// pass finds the prefix the lost answer named (IMDS lists it by then), and nothing was asked twice.
    /// </summary>
    [Fact]
    public async Task Pass_AssignAnswersServerError_NotRepeated_NextPassFindsTheGrant()
    {
        await using var env = await Env.StartAsync(WithRole);
        env.Ec2.Fault = FakeEc2Fault.AssignInternalError;

        var first = await env.PassAsync();
        env.Ec2.Fault = FakeEc2Fault.None;
        var second = await env.PassAsync();

        Assert.Equal("block", first.Plan!.Source);
        Assert.Contains(first.Checks, c => c is { Name: PrefixProvisioner.Action, Ok: false }
            && c.Detail.Contains("EC2 refused AssignIpv6Addresses for " + Eni + ": InternalError", StringComparison.Ordinal));
        Assert.Equal("prefix", second.Plan!.Source);
        Assert.Equal("2001:db8:47b:ca03:8000::/80", second.Plan.DockerCidr);
        Assert.Equal(["DescribeNetworkInterfaces 200", "AssignIpv6Addresses 500 InternalError"], env.Ec2Calls());
    }

    /// <summary>A host clock 10 minutes slow: EC2 refuses the signature, names its time, and the client signs with that.</summary>
    [Fact]
    public async Task Api_ClockTenMinutesSlow_LearnsEc2sTimeFromTheRefusal_AndSucceeds()
    {
        await using var env = await Env.StartAsync(WithRole);
        var role = WithRole.Role!;
        using var api = new Ec2PrefixApi(new Ec2Options { Endpoint = env.Ec2.Endpoint }, "us-east-1",
            new InstanceCredentials(role.Name, role.AccessKeyId, role.SecretAccessKey, role.Token, null), time: new ShiftedClock(TimeSpan.FromMinutes(-10)));

        var prefixes = await api.DescribePrefixesAsync(Eni, Ct);

        Assert.Empty(prefixes);
        Assert.Equal(["DescribeNetworkInterfaces 401 AuthFailure", "DescribeNetworkInterfaces 200"], env.Ec2Calls());
    }

    /// <summary>Whatever answers at the endpoint, a page that is not EC2's XML is a sentence, not a crash or a retry.</summary>
    [Theory]
    [InlineData(200, "<html><body>captive portal</body></html>", "<html>); is ec2.endpoint an EC2 endpoint?")]
    [InlineData(200, "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>", "not XML); is ec2.endpoint an EC2 endpoint?")]
    [InlineData(200, "<DescribeNetworkInterfacesResponse><networkInterfaceSet><item><networkInterfaceId>eni-0a1b2c3d4e5f60718</networkInterfaceId><ipv6PrefixSet><item><ipv6Prefix>10.0.0.0/8</ipv6Prefix></item></ipv6PrefixSet></item></networkInterfaceSet></DescribeNetworkInterfacesResponse>", "names '10.0.0.0/8', which is not an IPv6 prefix")]
    [InlineData(200, "<DescribeNetworkInterfacesResponse><networkInterfaceSet/></DescribeNetworkInterfacesResponse>", "EC2 does not list ENI eni-0a1b2c3d4e5f60718")]
    [InlineData(403, "<html>Forbidden by proxy</html>", "EC2 refused DescribeNetworkInterfaces for eni-0a1b2c3d4e5f60718: an error without a code (EC2: HTTP 403 Forbidden)")]
    [InlineData(400, "<Response><Errors><Error><Code>InvalidNetworkInterfaceID.NotFound</Code><Message>gone</Message></Error></Errors></Response>", "EC2 does not know ENI eni-0a1b2c3d4e5f60718 in us-east-1 (EC2: gone)")]
    public async Task Api_HostileAnswer_IsASentence(int status, string body, string expected)
    {
        await using var server = await Testing.Http.LocalHttpServer.StartAsync(async (context, ct) =>
        {
            context.Response.StatusCode = status;
            await context.Response.WriteAsync(body, ct);
        }, "http://127.0.0.1:0");
        using var api = new Ec2PrefixApi(new Ec2Options { Endpoint = server.Endpoints[0] }, "us-east-1", new InstanceCredentials("r", "AKID", "secret", "token", null));

        var e = await Assert.ThrowsAsync<ProvisioningException>(() => api.DescribePrefixesAsync(Eni, Ct));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_EndlessAnswer_StopsAtOneMebibyte_NoRetry()
    {
        var requests = 0;
        await using var server = await Testing.Http.LocalHttpServer.StartAsync(async (context, ct) =>
        {
            Interlocked.Increment(ref requests);
            var chunk = new byte[64 * 1024];
            Array.Fill(chunk, (byte)' ');
            await context.Response.Body.WriteAsync("<DescribeNetworkInterfacesResponse>"u8.ToArray(), ct);
            for (var i = 0; i < 64 && !ct.IsCancellationRequested; i++) await context.Response.Body.WriteAsync(chunk, ct);
        }, "http://127.0.0.1:0");
        using var api = new Ec2PrefixApi(new Ec2Options { Endpoint = server.Endpoints[0] }, "us-east-1", new InstanceCredentials("r", "AKID", "secret", "token", null));

        var e = await Assert.ThrowsAsync<ProvisioningException>(() => api.DescribePrefixesAsync(Eni, Ct));

        Assert.Contains("is larger than 1024 KiB", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, requests);
    }

    [Fact]
    public async Task Pass_Ec2Hangs_GivesUpWithinTheBudget_NothingChanged()
    {
        await using var env = await Env.StartAsync(NoBlock);
        env.Ec2.Fault = FakeEc2Fault.Hang;
        var before = env.Files();
        var clock = Stopwatch.StartNew();

        var report = await env.PassAsync(apiBudget: TimeSpan.FromSeconds(3));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(15));
        Assert.Equal(ReportResult.Failed, report.Result);
        Assert.Contains("EC2 did not answer within 3 s", report.Error);
        Assert.Equal(before, env.Files());
    }

    [Fact]
    public async Task Pass_CredentialsNotTheRoles_Ec2SaysAuthFailure()
    {
        await using var env = await Env.StartAsync(WithRole);
        var forged = WithRole.Role! with { SecretAccessKey = "not-the-secret-" + WithRole.Role!.SecretAccessKey[15..] };
        env.Host.Imds.Override("iam/security-credentials/ipv6-agent", FakeResponse.Ok(
            $"{{\"Code\":\"Success\",\"AccessKeyId\":\"{forged.AccessKeyId}\",\"SecretAccessKey\":\"{forged.SecretAccessKey}\",\"Token\":\"{forged.Token}\"}}"));

        var report = await env.PassAsync();

        Assert.Equal("block", report.Plan!.Source);
        Assert.Equal(["DescribeNetworkInterfaces 401 AuthFailure"], env.Ec2Calls());
        Assert.Contains(report.Checks, c => c is { Name: PrefixProvisioner.Action, Ok: false } && c.Detail.Contains("EC2 did not accept the instance profile's credentials", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pass_NoInstanceProfile_SaysToAttachOne()
    {
        await using var env = await Env.StartAsync(FakeInstances.Blog);

        var report = await env.PassAsync();

        Assert.Equal("block", report.Plan!.Source);
        Assert.Contains(report.Checks, c => c is { Name: PrefixProvisioner.Action, Ok: false } && c.Detail.Contains("this instance has no instance profile", StringComparison.Ordinal));
        Assert.Empty(env.Ec2.Requests);
    }

    /// <summary>IMDS lags longer than a pass waits: the next pass finds the prefix in EC2's answer and never asks for a second.</summary>
    [Fact]
    public async Task Pass_ImdsSlowerThanThePass_NextPassWaitsForTheSamePrefix_NoSecondRequest()
    {
        await using var env = await Env.StartAsync(NoBlock);
        env.Ec2.ImdsDelay = TimeSpan.FromSeconds(4);

        var first = await env.PassAsync(imdsWait: TimeSpan.FromSeconds(1));
        var second = await env.PassAsync(imdsWait: TimeSpan.FromSeconds(10));

        Assert.Equal(ReportResult.Failed, first.Result);
        Assert.Contains("IMDS did not show it within 1 s; the next pass uses it", first.Error);
        Assert.Equal([PrefixProvisioner.Action], first.Actions);
        Assert.Equal("prefix", second.Plan!.Source);
        Assert.Contains(second.Checks, c => c is { Name: PrefixProvisioner.Action, Ok: true } && c.Detail.StartsWith("EC2 already lists 2001:db8:47b:ca03:8000::/80", StringComparison.Ordinal));
        Assert.Single(env.Ec2.Requests, r => r.Action == "AssignIpv6Addresses");
    }

    /// <summary>A prefix the agent was granted and a person removed: the agent does not ask a second time, and says how to let it.</summary>
    [Fact]
    public async Task Pass_GrantedPrefixRemovedSince_NoSecondRequest_SaysHowToAllowOne()
    {
        await using var env = await Env.StartAsync(WithRole);
        await env.PassAsync();
        env.Ec2.UnassignGranted(Eni);

        var report = await env.PassAsync();

        Assert.Equal("block", report.Plan!.Source);
        Assert.Contains(report.Checks, c => c is { Name: PrefixProvisioner.Action, Ok: false }
            && c.Detail.Contains("the agent asks only once per ENI. To let it ask again, delete /var/lib/ipv6-agent/provision.json", StringComparison.Ordinal));
        Assert.Single(env.Ec2.Requests, r => r.Action == "AssignIpv6Addresses");
    }

    private sealed class ShiftedClock(TimeSpan by) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + by;
    }

    /// <summary>A fake IMDS and EC2, a temp root, and a fresh reconciler per pass (as after a restart).</summary>
    private sealed class Env : IAsyncDisposable
    {
        private Env(ApplierHost host, FakeEc2Server ec2)
        {
            Host = host;
            Ec2 = ec2;
        }

        public ApplierHost Host { get; }

        public FakeEc2Server Ec2 { get; }

        public static async Task<Env> StartAsync(FakeInstance instance)
        {
            var host = await ApplierHost.StartBlogAsync(instance);
            var ec2 = await FakeEc2Server.StartAsync(host.Imds);
            ec2.ImdsDelay = TimeSpan.FromMilliseconds(500);
            return new Env(host, ec2);
        }

        public IReadOnlyList<string> Ec2Calls() =>
            [.. Ec2.Requests.Select(r => r.Code is null ? $"{r.Action} {r.Status}" : $"{r.Action} {r.Status} {r.Code}")];

        public Dictionary<string, string> Files() =>
            Directory.EnumerateFiles(Path.Join(Host.Root.Path, "etc"), "*", SearchOption.AllDirectories).ToDictionary(p => p, File.ReadAllText);

        public async Task<Report> PassAsync(bool dryRun = false, TimeSpan? apiBudget = null, TimeSpan? imdsWait = null)
        {
            var options = Host.Options() with { Provision = ProvisionMode.Prefix, Ec2 = new Ec2Options { Endpoint = Ec2.Endpoint } };
            var time = TimeProvider.System;
            using var imds = new ImdsClient(options.Imds, time, NullLogger<ImdsClient>.Instance);
            var provisioner = new PrefixProvisioner(options, imds, time, NullLogger<PrefixProvisioner>.Instance)
            {
                ApiBudget = apiBudget ?? TimeSpan.FromSeconds(25),
                ImdsWait = imdsWait ?? TimeSpan.FromSeconds(10),
            };
            var reconciler = Host.Reconciler(options, imds, provisioner);
            var report = await reconciler.ReconcileAsync(dryRun, Ct);
            TestContext.Current.SendDiagnosticMessage($"{report.Result}: {report.Error} actions [{string.Join(", ", report.Actions)}] checks [{string.Join("; ", report.Checks.Select(c => $"{c.Name} {c.Ok} {c.Detail}"))}]");
            return report;
        }

        public async ValueTask DisposeAsync()
        {
            await Ec2.DisposeAsync();
            await Host.DisposeAsync();
        }
    }
}
