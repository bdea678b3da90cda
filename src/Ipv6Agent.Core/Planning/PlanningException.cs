namespace Ipv6Agent.Planning;

/// <summary>No valid plan exists for this host; the message says what the ENI needs (exit 2, nothing changed).</summary>
internal sealed class PlanningException(string message) : Exception(message);
