using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ipv6Agent.Addressing;

namespace Ipv6Agent.Testing.Imds;

/// <summary>
/// The metadata tree of one instance, rendered the way EC2 serves it: addresses uncompressed (all eight groups,
/// no <c>::</c>), sorted, one per line, no trailing newline; directories end in <c>/</c>; absent keys simply missing.
/// Built once when the options are set, so bad test data fails at start with a clear message.
/// </summary>
internal sealed class FakeMetadata
{
    public const string NotFoundBody =
        "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<html><head><title>404 - Not Found</title></head>" +
        "<body><h1>404 - Not Found</h1></body></html>";

    private readonly Dictionary<string, string> _files;

    private FakeMetadata(FakeInstance instance, Dictionary<string, string> files, IReadOnlyList<IPAddress> sources)
    {
        Instance = instance;
        _files = files;
        Sources = sources;
    }

    public FakeInstance Instance { get; }

    private Dictionary<string, string> Dynamic { get; init; } = [];

    /// <summary>A path relative to <c>/latest/dynamic/</c> (the instance identity document).</summary>
    public string? LookupDynamic(string relative) =>
        Dynamic.TryGetValue(relative, out var body) ? body
        : !relative.EndsWith('/') && Dynamic.TryGetValue(relative + "/", out var listing) ? listing
        : null;

    /// <summary>Caller addresses this instance answers for.</summary>
    public IReadOnlyList<IPAddress> Sources { get; }

    /// <summary>The body for a path relative to <c>/latest/meta-data/</c>; a directory may be asked for with or without its slash.</summary>
    public string? Lookup(string relative) =>
        _files.TryGetValue(relative, out var body) ? body
        : !relative.EndsWith('/') && _files.TryGetValue(relative + "/", out var listing) ? listing
        : null;

    public static FakeMetadata Build(FakeInstance instance)
    {
        var who = $"fake IMDS instance '{instance.InstanceId}'";
        if (instance.Enis.Count == 0) throw new ArgumentException($"{who} has no ENI.");
        var primary = instance.Enis.Where(e => e.DeviceNumber == 0).ToList();
        if (primary.Count != 1) throw new ArgumentException($"{who} needs exactly one ENI with device-number 0, has {primary.Count}.");

        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var sources = new List<IPAddress>();
        var macs = new List<string>();
        foreach (var eni in instance.Enis.OrderBy(e => e.DeviceNumber))
        {
            if (!MacAddress.TryParse(eni.Mac, out var parsedMac))
                throw new ArgumentException($"{who}: '{eni.Mac}' is not a MAC address.");
            var mac = parsedMac.ToString();
            if (macs.Contains(mac)) throw new ArgumentException($"{who}: MAC {mac} is used by two ENIs.");
            macs.Add(mac);
            var dir = $"network/interfaces/macs/{mac}/";
            var keys = new List<string> { "device-number", "interface-id", "mac" };
            files[dir + "device-number"] = eni.DeviceNumber.ToString(CultureInfo.InvariantCulture);
            files[dir + "interface-id"] = eni.InterfaceId;
            files[dir + "mac"] = mac;

            var addresses = eni.Ipv6s.Select(a => ParseAddress(who, mac, a)).OrderBy(Ipv6.ToUInt128).ToList();
            sources.AddRange(addresses);
            if (addresses.Count > 0)
            {
                files[dir + "ipv6s"] = string.Join('\n', addresses.Select(Uncompressed));
                keys.Add("ipv6s");
            }
            var prefixes = eni.Ipv6Prefixes.Select(p => ParseNetwork(who, mac, p)).OrderBy(n => Ipv6.ToUInt128(n.BaseAddress)).ToList();
            if (prefixes.Count > 0)
            {
                files[dir + "ipv6-prefix"] = string.Join('\n', prefixes.Select(Ipv6.Format));
                keys.Add("ipv6-prefix");
            }
            var subnets = eni.SubnetIpv6Cidrs.Select(p => ParseNetwork(who, mac, p)).OrderBy(n => Ipv6.ToUInt128(n.BaseAddress)).ToList();
            if (subnets.Count > 0)
            {
                files[dir + "subnet-ipv6-cidr-blocks"] = string.Join('\n', subnets.Select(Ipv6.Format));
                keys.Add("subnet-ipv6-cidr-blocks");
            }
            files[dir] = string.Join('\n', keys.Order(StringComparer.Ordinal));
        }

        foreach (var source in instance.Sources)
        {
            if (!IPAddress.TryParse(source, out var address)) throw new ArgumentException($"{who}: source '{source}' is not an IP address.");
            sources.Add(address);
        }

        // What cloud-init's Ec2 datasource reads besides the network tree (it crawls every listed key).
        var hostname = $"ip-{instance.InstanceId.Replace("i-", "", StringComparison.Ordinal)}.{instance.Region}.compute.internal";
        files["ami-id"] = "ami-0123456789abcdef0";
        files["instance-type"] = "t3.micro";
        files["hostname"] = hostname;
        files["local-hostname"] = hostname;
        files["instance-id"] = instance.InstanceId;
        files["placement/region"] = instance.Region;
        files["placement/availability-zone"] = instance.Region + "a";
        files["placement/"] = "availability-zone\nregion";
        files["mac"] = MacAddress.Parse(primary[0].Mac).ToString();
        files["network/interfaces/macs/"] = string.Join('\n', macs.Select(m => m + "/"));
        files["network/interfaces/"] = "macs/";
        files["network/"] = "interfaces/";
        files[""] = "ami-id\nhostname\ninstance-id\ninstance-type\nlocal-hostname\nmac\nnetwork/\nplacement/";
        if (instance.Role is { } role)
        {
            files[""] = files[""].Replace("hostname\n", "hostname\niam/\n", StringComparison.Ordinal);
            files["iam/"] = "security-credentials/";
            files["iam/security-credentials/"] = role.Name;
            // EC2's shape; the expiry is six hours ahead, as EC2 refreshes them well before.
            files["iam/security-credentials/" + role.Name] = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["Code"] = "Success",
                ["LastUpdated"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                ["Type"] = "AWS-HMAC",
                ["AccessKeyId"] = role.AccessKeyId,
                ["SecretAccessKey"] = role.SecretAccessKey,
                ["Token"] = role.Token,
                ["Expiration"] = DateTimeOffset.UtcNow.AddHours(6).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            }, new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        }
        var dynamic = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [""] = "instance-identity/",
            ["instance-identity/"] = "document",
            ["instance-identity/document"] = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["accountId"] = "123456789012",
                ["architecture"] = "x86_64",
                ["availabilityZone"] = instance.Region + "a",
                ["imageId"] = "ami-0123456789abcdef0",
                ["instanceId"] = instance.InstanceId,
                ["instanceType"] = "t3.micro",
                ["region"] = instance.Region,
            }),
        };
        return new FakeMetadata(instance, files, sources) { Dynamic = dynamic };
    }

    /// <summary>EC2's form: <c>2600:1f18:47b:ca03:0:0:0:8</c>.</summary>
    public static string Uncompressed(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return string.Join(':', Enumerable.Range(0, 8).Select(i => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).ToString("x", CultureInfo.InvariantCulture)));
    }

    private static IPAddress ParseAddress(string who, string mac, string text) =>
        IPAddress.TryParse(text, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6
            ? address
            : throw new ArgumentException($"{who}, ENI {mac}: '{text}' is not an IPv6 address.");

    private static IPNetwork ParseNetwork(string who, string mac, string text) =>
        Ipv6.TryParseNetwork(text, out var network)
            ? network
            : throw new ArgumentException($"{who}, ENI {mac}: '{text}' is not an IPv6 prefix without host bits.");
}
