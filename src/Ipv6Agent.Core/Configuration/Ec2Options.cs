namespace Ipv6Agent.Configuration;

/// <summary>Whether the agent asks EC2 for what the ENI lacks (issue 12).</summary>
public enum ProvisionMode
{
    /// <summary>Only what the ENI already has; without a prefix or block the error names the command a person can run.</summary>
    Off,

    /// <summary>No delegated prefix on the chosen ENI: the agent requests one /80 (AssignIpv6Addresses, Ipv6PrefixCount=1).</summary>
    Prefix,
}

/// <summary>How the agent reaches the EC2 API (only with <c>provision: prefix</c>).</summary>
public sealed record Ec2Options
{
    /// <summary><c>null</c> (auto): the region's dual-stack endpoint (<c>ec2.REGION.api.aws</c>), which IPv6-only hosts reach.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary><c>auto</c>, or the URL of an EC2 endpoint (a VPC interface endpoint, a test's fake).</summary>
    internal static Uri? ParseEndpoint(string text)
    {
        if (text == "auto") return null;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.AbsolutePath is "/" or ""
            && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.UserInfo))
            return uri;
        throw new ConfigurationException("ec2.endpoint",
            $"'{(text.Length <= 40 ? text : text[..40] + "…")}' is neither 'auto' nor an http(s) URL of the service's root (e.g. https://vpce-0123-abcd.ec2.us-east-1.vpce.amazonaws.com)");
    }
}
