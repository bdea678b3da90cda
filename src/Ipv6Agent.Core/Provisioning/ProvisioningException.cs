namespace Ipv6Agent.Provisioning;

/// <summary>The agent could not get a delegated prefix from EC2; the message is a sentence a person can act on.</summary>
internal sealed class ProvisioningException(string message, Exception? inner = null) : Exception(message, inner);
