namespace Ipv6Agent.Testbed;

/// <summary>What demo.sh runs.</summary>
internal static class Demo
{
    public static Task<int> RunAsync(string agent)
    {
        _ = agent;
        throw new TestbedException("not yet");
    }
}
