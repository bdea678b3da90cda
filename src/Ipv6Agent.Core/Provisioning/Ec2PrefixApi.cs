using System.Net;
using Amazon;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Ipv6Agent.Addressing;
using Ipv6Agent.Configuration;

namespace Ipv6Agent.Provisioning;

/// <summary>
/// The two EC2 calls <c>provision: prefix</c> makes, through the official SDK (AWSSDK.EC2, the Query API), with every
/// service error turned into a sentence a person can act on. One client per provisioning attempt: the credentials are
/// the instance profile's current ones, read through the agent's IMDS client just before.
/// </summary>
internal sealed class Ec2PrefixApi : IDisposable
{
    /// <summary>Per HTTP request; the SDK retries throttling and transient errors within the caller's budget.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Standard mode's backoff is exponential with jitter (at most 20 s); four retries ride out a burst of throttling.</summary>
    public const int MaxRetries = 4;

    private readonly AmazonEC2Client _client;
    private readonly string _region;

    public Ec2PrefixApi(Ec2Options options, string region, InstanceCredentials credentials)
    {
        _region = region;
        var config = new AmazonEC2Config
        {
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = MaxRetries,
            Timeout = RequestTimeout,
        };
        if (options.Endpoint is { } endpoint)
        {
            // A VPC interface endpoint or a test's fake: requests go there, signed for the instance's region.
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = region;
        }
        else
        {
            // The regional endpoint (ec2.REGION.amazonaws.com) has no AAAA record; the dual-stack one (ec2.REGION.api.aws)
            // is what an IPv6-only instance reaches.
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
            config.UseDualstackEndpoint = true;
        }
        _client = new AmazonEC2Client(new SessionAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.Token), config);
    }

    /// <summary>Where the SDK sends this client's requests (the dual-stack endpoint unless <c>ec2.endpoint</c> says otherwise).</summary>
    internal Uri ResolvedEndpoint => new(_client.DetermineServiceOperationEndpoint(new DescribeNetworkInterfacesRequest()).URL);

    /// <summary>The prefixes EC2 lists for <paramref name="eniId"/> now (IMDS may lag by seconds).</summary>
    public async Task<IReadOnlyList<IPNetwork>> DescribePrefixesAsync(string eniId, CancellationToken ct)
    {
        var response = await CallAsync("DescribeNetworkInterfaces", eniId, () => _client.DescribeNetworkInterfacesAsync(
            new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [eniId] }, ct)).ConfigureAwait(false);
        var eni = response.NetworkInterfaces?.FirstOrDefault(n => n.NetworkInterfaceId == eniId)
            ?? throw new ProvisioningException($"EC2 does not list ENI {eniId} (DescribeNetworkInterfaces answered without it).");
        return Prefixes((eni.Ipv6Prefixes ?? []).Select(p => p.Ipv6Prefix), "DescribeNetworkInterfaces");
    }

    /// <summary>AssignIpv6Addresses with Ipv6PrefixCount=1: the prefix EC2 delegated.</summary>
    public async Task<IPNetwork> AssignPrefixAsync(string eniId, CancellationToken ct)
    {
        var response = await CallAsync("AssignIpv6Addresses", eniId, () => _client.AssignIpv6AddressesAsync(
            new AssignIpv6AddressesRequest { NetworkInterfaceId = eniId, Ipv6PrefixCount = 1 }, ct)).ConfigureAwait(false);
        var granted = Prefixes(response.AssignedIpv6Prefixes ?? [], "AssignIpv6Addresses");
        return granted.Count > 0
            ? granted[0]
            : throw new ProvisioningException($"EC2 accepted AssignIpv6Addresses for {eniId} but named no prefix in its answer.");
    }

    private async Task<T> CallAsync<T>(string action, string eniId, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AmazonServiceException e)
        {
            throw new ProvisioningException(Ec2Errors.Explain(action, eniId, _region, e.ErrorCode, e.Message), e);
        }
        catch (AmazonClientException e)
        {
            throw new ProvisioningException($"{action} for {eniId} did not reach EC2: {Reporting.SafeText.OneLine(e.Message)}", e);
        }
        catch (HttpRequestException e)
        {
            throw new ProvisioningException($"{action} for {eniId} did not reach EC2: {Reporting.SafeText.OneLine(e.Message)}", e);
        }
    }

    private static List<IPNetwork> Prefixes(IEnumerable<string?> texts, string action)
    {
        var prefixes = new List<IPNetwork>();
        foreach (var text in texts)
        {
            if (text is null) continue;
            if (!Ipv6.TryParseNetwork(text, out var prefix))
                throw new ProvisioningException($"EC2's {action} answer names '{Reporting.SafeText.OneLine(text)}', which is not an IPv6 prefix.");
            prefixes.Add(prefix);
        }
        return prefixes;
    }

    public void Dispose() => _client.Dispose();
}
