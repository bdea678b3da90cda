namespace Ipv6Agent.Testing.Imds;

/// <summary>
/// One EC2 instance as the fake IMDS describes it. Records with a parameterless constructor so a YAML or JSON
/// deserializer can fill them; values are the strings a person writes (compressed addresses are fine).
/// </summary>
/// <param name="Enis">Attached ENIs; the one with device-number 0 is the primary (<c>mac</c>).</param>
public sealed record FakeInstance(string InstanceId, string Region, IReadOnlyList<FakeEni> Enis)
{
    public FakeInstance() : this("", "", []) { }

    /// <summary>
    /// Caller addresses this instance answers for besides its ENIs' <c>ipv6s</c> (e.g. an IPv4 or a
    /// link-local address the testbed host uses as source).
    /// </summary>
    public IReadOnlyList<string> Sources { get; init; } = [];

    /// <summary>Served at <c>/latest/user-data</c>; null: 404, as for an instance launched without user data.</summary>
    public string? UserData { get; init; }

    /// <summary>The instance profile's role and its temporary credentials (<c>iam/security-credentials/NAME</c>); null: none.</summary>
    public FakeRole? Role { get; init; }
}

/// <summary>An instance profile's role with the credentials IMDS hands out for it (the fake EC2 accepts exactly these).</summary>
public sealed record FakeRole(string Name, string AccessKeyId, string SecretAccessKey, string Token)
{
    public FakeRole() : this("", "", "", "") { }

    /// <summary>Fresh random credentials for <paramref name="name"/>, shaped like EC2's (ASIA…, 40-character secret).</summary>
    public static FakeRole Random(string name) => new(name,
        "ASIA" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)),
        Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(30)),
        Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(120)));
}

/// <param name="Mac">The ENI's MAC, any case, colon or dash separated.</param>
/// <param name="Ipv6s">Served by <c>ipv6s</c>; empty: the key is absent (404), as for an ENI without IPv6.</param>
/// <param name="Ipv6Prefixes">Served by <c>ipv6-prefix</c>; empty: absent.</param>
/// <param name="SubnetIpv6Cidrs">Served by <c>subnet-ipv6-cidr-blocks</c>; empty: absent.</param>
public sealed record FakeEni(
    string Mac,
    int DeviceNumber,
    string InterfaceId,
    IReadOnlyList<string> Ipv6s,
    IReadOnlyList<string> Ipv6Prefixes,
    IReadOnlyList<string> SubnetIpv6Cidrs)
{
    public FakeEni() : this("", 0, "", [], [], []) { }
}
