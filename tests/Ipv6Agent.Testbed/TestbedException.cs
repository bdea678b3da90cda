namespace Ipv6Agent.Testbed;

/// <summary>The testbed could not build or drive the simulated VPC; the message says which step and why.</summary>
internal sealed class TestbedException(string message) : Exception(message);
