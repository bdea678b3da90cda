namespace Ipv6Agent.Provisioning;

/// <summary>EC2's error codes, as sentences that say what to change.</summary>
internal static class Ec2Errors
{
    public static string Explain(string action, string eniId, string region, string? code, string? message)
    {
        var said = string.IsNullOrWhiteSpace(message) ? "" : $" (EC2: {Reporting.SafeText.OneLine(message.Length <= 300 ? message : message[..300] + "…")})";
        return code switch
        {
            "UnauthorizedOperation" =>
                $"the instance profile may not call {action} for {eniId}{said}. Give the instance's role this policy: {IamPolicy.For(region, eniId)}",
            "PrefixLimitExceeded" =>
                $"EC2 refused a prefix for {eniId}: the ENI is at its instance type's limit of IPv6 addresses per ENI (a delegated prefix counts as one){said}. " +
                "Unassign an IPv6 address or prefix from it, or use a larger instance type.",
            "AddressLimitExceeded" or "Ipv6AddressLimitExceeded" or "PrivateIpAddressLimitExceeded" =>
                $"EC2 refused a prefix for {eniId}: the ENI is at its instance type's limit of addresses per ENI{said}. " +
                "Unassign an address from it, or use a larger instance type.",
            "InsufficientFreeAddressesInSubnet" or "InsufficientCidrBlocks" =>
                $"EC2 refused a prefix for {eniId}: its subnet has no free /80 left{said}. Free prefixes in the subnet, or move the ENI to a subnet with room.",
            "RequestLimitExceeded" or "Throttling" =>
                $"EC2 throttled {action} for {eniId} through every retry of this pass (the API request rate limit of the account){said}; the next pass tries again.",
            "AuthFailure" or "InvalidClientTokenId" or "SignatureDoesNotMatch" =>
                $"EC2 did not accept the instance profile's credentials for {action}{said}. Check the instance's clock and its instance profile.",
            "InvalidNetworkInterfaceID.NotFound" or "InvalidNetworkInterfaceID.Malformed" =>
                $"EC2 does not know ENI {eniId} in {region}{said}. Is ec2.endpoint the region's endpoint?",
            _ => $"EC2 refused {action} for {eniId}: {code ?? "an error without a code"}{said}.",
        };
    }
}
