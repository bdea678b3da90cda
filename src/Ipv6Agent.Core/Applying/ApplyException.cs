namespace Ipv6Agent.Applying;

/// <summary>A pass could not change the host; the message says why and what to do, in a sentence for a person.</summary>
internal sealed class ApplyException(string message, Exception? inner = null) : Exception(message, inner);
