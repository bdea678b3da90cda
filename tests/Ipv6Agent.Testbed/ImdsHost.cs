using Ipv6Agent.Testbed.Scenarios;

namespace Ipv6Agent.Testbed;

/// <summary>Hosts the fake IMDS for a scenario's instances (inside the router namespace).</summary>
internal static class ImdsHost
{
    public static Task<int> RunAsync(Scenario scenario, string url)
    {
        _ = scenario;
        _ = url;
        throw new TestbedException("the fake IMDS (branch imds) has not landed yet");
    }
}
