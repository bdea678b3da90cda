namespace Ipv6Agent.Configuration;

/// <summary>The configuration is invalid (exit 78). <see cref="Key"/> is the dotted YAML key at fault, when one is.</summary>
internal sealed class ConfigurationException(string? key, string message)
    : Exception(key is null ? message : $"{key}: {message}")
{
    public string? Key { get; } = key;
}
