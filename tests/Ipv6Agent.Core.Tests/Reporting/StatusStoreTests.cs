using Ipv6Agent.Configuration;
using Ipv6Agent.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv6Agent.Reporting;

public sealed class StatusStoreTests
{
    private static Report Pass => new()
    {
        Time = new DateTimeOffset(2026, 12, 1, 16, 0, 0, TimeSpan.Zero),
        Result = ReportResult.Ok,
        Checks =
        [
            new CheckReport("docker-bridge", true, "docker0 has 2001:db8::9/126"),
            new CheckReport("firewall", true, "published: 1 container, 1 port open; rules in place"),
        ],
    };

    [Fact]
    public void UpdateCheck_AfterADockerEvent_ReplacesOnlyThatCheckAndKeepsThePassesTime()
    {
        using var root = new TempRoot();
        var store = new StatusStore(new AgentOptions { Root = root.Path }, NullLogger<StatusStore>.Instance);
        store.Write(Pass);

        store.UpdateCheck(new CheckReport("firewall", true, "published: 2 containers, 3 ports open; rules in place"));

        var now = ReportJson.Deserialize(root.Read(StatusFile.HostPath)!);
        Assert.Equal(Pass.Time, now.Time);
        Assert.Equal(ReportResult.Ok, now.Result);
        Assert.Equal(["docker0 has 2001:db8::9/126", "published: 2 containers, 3 ports open; rules in place"], now.Checks.Select(c => c.Detail));

        store.UpdateCheck(new CheckReport("firewall", false, "could not load the rule set"));
        Assert.Equal(ReportResult.Degraded, ReportJson.Deserialize(root.Read(StatusFile.HostPath)!).Result);
    }

    [Fact]
    public void UpdateCheck_NoReportYet_WritesNothing()
    {
        using var root = new TempRoot();
        var store = new StatusStore(new AgentOptions { Root = root.Path }, NullLogger<StatusStore>.Instance);

        store.UpdateCheck(new CheckReport("firewall", true, "published: 0 containers, 0 ports open; rules in place"));

        Assert.Null(root.Read(StatusFile.HostPath));
    }
}
