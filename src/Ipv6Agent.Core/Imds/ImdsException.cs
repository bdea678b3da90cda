namespace Ipv6Agent.Imds;

/// <summary>IMDS could not be read, or said something impossible. The message is for a person: it says what and what to do.</summary>
internal sealed class ImdsException(string message, Exception? inner = null) : Exception(message, inner);
