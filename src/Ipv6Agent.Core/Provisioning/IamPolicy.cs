namespace Ipv6Agent.Provisioning;

/// <summary>
/// The least privilege <c>provision: prefix</c> needs: assigning addresses/prefixes to this ENI, and describing network
/// interfaces (which IAM cannot scope to a resource). The same text is in the README.
/// </summary>
internal static class IamPolicy
{
    public static string For(string region, string eniId) =>
        "{\"Version\":\"2012-10-17\",\"Statement\":[" +
        $"{{\"Effect\":\"Allow\",\"Action\":\"ec2:AssignIpv6Addresses\",\"Resource\":\"arn:aws:ec2:{region}:*:network-interface/{eniId}\"}}," +
        "{\"Effect\":\"Allow\",\"Action\":\"ec2:DescribeNetworkInterfaces\",\"Resource\":\"*\"}]}";
}
