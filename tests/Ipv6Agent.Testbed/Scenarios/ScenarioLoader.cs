using System.Net;
using System.Net.Sockets;
using Ipv6Agent.Addressing;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Ipv6Agent.Testbed.Scenarios;

/// <summary>Reads a scenario file; every address is parsed here, and only documentation ranges are allowed.</summary>
internal static class ScenarioLoader
{
    private static readonly IPNetwork[] Allowed = [IPNetwork.Parse("2001:db8::/32"), IPNetwork.Parse("fd00:ec2::/32")];

    /// <summary>The folder the scenario files were copied to next to the testbed.</summary>
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "scenarios");

    public static IReadOnlyList<string> Names() =>
        [.. Directory.GetFiles(Folder, "*.yaml").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal)];

    public static Scenario Load(string nameOrPath)
    {
        var path = File.Exists(nameOrPath) ? nameOrPath : Path.Combine(Folder, nameOrPath + ".yaml");
        if (!File.Exists(path))
        {
            throw new TestbedException($"no scenario '{nameOrPath}': known are {string.Join(", ", Names())}");
        }

        try
        {
            var dto = new DeserializerBuilder()
                .WithNamingConvention(HyphenatedNamingConvention.Instance)
                .Build()
                .Deserialize<ScenarioDto>(File.ReadAllText(path));
            return Convert(dto, Path.GetFileNameWithoutExtension(path));
        }
        catch (Exception e) when (e is FormatException or ArgumentException or YamlDotNet.Core.YamlException)
        {
            throw new TestbedException($"scenario {path}: {e.Message}");
        }
    }

    private static Scenario Convert(ScenarioDto d, string fileName)
    {
        var subnet = Network(d.Subnet ?? throw new FormatException("subnet is required"));
        var instances = d.Instances.Select(i => new InstanceSpec(
            i.Name ?? throw new FormatException("an instance has no name"),
            i.Id ?? $"i-{Hash(i.Name)}",
            MacAddress.Parse(i.Mac ?? throw new FormatException($"{i.Name}: mac is required")),
            i.Eni ?? $"eni-{Hash(i.Name + "eni")}",
            [.. i.Ipv6s.Select(Address)],
            [.. i.Ipv6Prefixes.Select(Network)],
            i.DockerdArgs,
            i.Files)).ToList();
        var expect = d.Expect ?? new ExpectDto();
        return new Scenario(
            d.Name ?? fileName,
            d.Description ?? "",
            d.Region,
            subnet,
            d.CloudInit switch
            {
                "legacy" => CloudInitFlavour.Legacy,
                "current" => CloudInitFlavour.Current,
                var x => throw new FormatException($"cloud-init: '{x}' is not legacy or current"),
            },
            Address(d.InternetHost),
            d.Files,
            instances,
            new Faults(d.Faults.ImdsDown, d.Faults.GatewayDead, d.Faults.KillAgentAt),
            new Expectation(
                expect.ExitCode,
                expect.Outcome,
                expect.Instances.ToDictionary(kv => kv.Key, kv => new InstanceExpectation(
                    [.. kv.Value.Ens5.Select(Prefixed)],
                    kv.Value.Docker0 is { } d0 ? Prefixed(d0) : null,
                    kv.Value.ContainerIn is { } c ? Network(c) : null)),
                [.. expect.Pings.Select(p => new PingExpectation(p.From ?? "", Address(p.To ?? "")))]))
        {
            Provision = d.Provision is null or "prefix" ? d.Provision : throw new FormatException($"provision: '{d.Provision}' is not prefix"),
        };
    }

    private static IPAddress Address(string text)
    {
        if (!IPAddress.TryParse(text, out var a) || a.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new FormatException($"'{text}' is not an IPv6 address");
        }

        return Allowed.Any(n => n.Contains(a)) ? a : throw new FormatException($"{text} is outside 2001:db8::/32 and fd00:ec2::/32");
    }

    private static PrefixedAddress Prefixed(string text) =>
        PrefixedAddress.TryParse(text, out var p) ? p with { Address = Address(p.Address.ToString()) }
            : throw new FormatException($"'{text}' is not address/length");

    private static IPNetwork Network(string text)
    {
        if (!Ipv6.TryParseNetwork(text, out var n))
        {
            throw new FormatException($"'{text}' is not a network (no host bits)");
        }

        _ = Address(n.BaseAddress.ToString());
        return n;
    }

    private static string Hash(string text) =>
        System.Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..17];

#pragma warning disable CA1812 // instantiated by YamlDotNet
    private sealed class ScenarioDto
    {
        public string? Name { get; set; }
        public string? Description { get; set; }
        public string Region { get; set; } = "us-east-1";
        public string? Subnet { get; set; }
        public string CloudInit { get; set; } = "legacy";
        public string InternetHost { get; set; } = "2001:db8:ffff::1";
        public string? Provision { get; set; }
        public Dictionary<string, string> Files { get; set; } = [];
        public List<InstanceDto> Instances { get; set; } = [];
        public FaultsDto Faults { get; set; } = new();
        public ExpectDto? Expect { get; set; }
    }

    private sealed class InstanceDto
    {
        public string? Name { get; set; }
        public string? Id { get; set; }
        public string? Mac { get; set; }
        public string? Eni { get; set; }
        public List<string> Ipv6s { get; set; } = [];
        public List<string> Ipv6Prefixes { get; set; } = [];
        public List<string> DockerdArgs { get; set; } = [];
        public Dictionary<string, string> Files { get; set; } = [];
    }

    private sealed class FaultsDto
    {
        public bool ImdsDown { get; set; }
        public List<string> GatewayDead { get; set; } = [];
        public Dictionary<string, string> KillAgentAt { get; set; } = [];
    }

    private sealed class ExpectDto
    {
        public int ExitCode { get; set; }
        public string Outcome { get; set; } = "";
        public Dictionary<string, InstanceExpectDto> Instances { get; set; } = [];
        public List<PingDto> Pings { get; set; } = [];
    }

    private sealed class InstanceExpectDto
    {
        public List<string> Ens5 { get; set; } = [];
        public string? Docker0 { get; set; }
        public string? ContainerIn { get; set; }
    }

    private sealed class PingDto
    {
        public string? From { get; set; }
        public string? To { get; set; }
    }
#pragma warning restore CA1812
}
