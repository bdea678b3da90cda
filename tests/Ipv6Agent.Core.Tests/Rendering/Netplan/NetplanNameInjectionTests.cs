using Ipv6Agent.Addressing;
using Ipv6Agent.Configuration;
using Ipv6Agent.Inspecting;
using Ipv6Agent.Planning;
using Y = YamlDotNet.RepresentationModel;
using static Ipv6Agent.Planning.PlanFixtures;

namespace Ipv6Agent.Rendering.Netplan;

/// <summary>
/// The netplan ID and interface name come from host files (another netplan file's key and <c>set-name</c>) and the
/// kernel's interface list: text the agent does not control. Whatever they hold, the override the agent writes has
/// exactly the structure it means (one ethernets entry, its own keys), or the plan is refused with one line.
/// </summary>
public sealed class NetplanNameInjectionTests
{
    public static TheoryData<string> HostileNames => new()
    {
        "ens5\nrenderer: NetworkManager",
        "ens5\n  bonds: {}\nnetwork:\n  version: 3",
        "ens5\rnetwork: x",
        "ens5\u0085network: x",
        "ens5\u2028network: x",
        "ens5\u2029x",
        "ens5\u001b[31m",
        "ens5\0",
        "ens5\u007f",
        "ens5\u202e",
        "ens5\"\n  evil: 1",
        "ens5\\",
        "ens5: {x: 1}",
        "ens 5",
        "ens5#not-a-comment",
        "e/ns5",
        "a-name-longer-than-fifteen-bytes",
        "",
        "..",
    };

    [Theory]
    [MemberData(nameof(HostileNames))]
    public void Plan_HostileSetName_RefusedOrRenderedExactly(string name)
    {
        // No kernel interface has the MAC, so the name comes from the other file's set-name.
        var cloudInit = $"""
            network:
              version: 2
              ethernets:
                ens5:
                  match:
                    macaddress: "{Mac}"
                  set-name: {YamlText.Quote(name)}
            """;
        var host = new HostSnapshot([new KernelInterface("lo", null)], [], true,
            new Dictionary<string, string> { ["/etc/netplan/50-cloud-init.yaml"] = cloudInit }, new Version(20, 10, 24));

        AssertRefusedOrExact(() => Planner.Plan(Blog1, host, AddressingMode.Auto), name, "ens5");
    }

    [Theory]
    [MemberData(nameof(HostileNames))]
    public void Plan_HostileNetplanId_RefusedOrRenderedExactly(string id)
    {
        var cloudInit = $"""
            network:
              version: 2
              ethernets:
                {YamlText.Quote(id)}:
                  match:
                    macaddress: "{Mac}"
                  set-name: ens5
            """;
        var host = HostState(files: ("/etc/netplan/50-cloud-init.yaml", cloudInit));

        AssertRefusedOrExact(() => Planner.Plan(Blog1, host, AddressingMode.Auto), "ens5", id);
    }

    [Theory]
    [MemberData(nameof(HostileNames))]
    public void Plan_HostileKernelName_RefusedOrRenderedExactly(string name)
    {
        var host = HostState(kernelName: name);

        AssertRefusedOrExact(() => Planner.Plan(Blog1, host, AddressingMode.Auto), name, name);
    }

    private static void AssertRefusedOrExact(Func<NetworkPlan> plan, string interfaceName, string netplanId)
    {
        NetworkPlan planned;
        try
        {
            planned = plan();
        }
        catch (PlanningException e)
        {
            Assert.DoesNotContain(e.Message, c => char.IsControl(c) || c is '\u2028' or '\u2029' or '\u202e');
            return;
        }

        var text = NetplanOverrideRenderer.Render(planned);

        // Every line is a comment or YAML; no line of a name ever starts a line of its own.
        Assert.All(text.Split('\n'), line => Assert.DoesNotContain(line, c => char.IsControl(c) || c is '\u2028' or '\u2029' or '\u0085'));
        var stream = new Y.YamlStream();
        stream.Load(new StringReader(text));
        var root = (Y.YamlMappingNode)stream.Documents.Single().RootNode;
        Assert.Equal(["network"], root.Children.Keys.Select(k => k.ToString()));
        var network = (Y.YamlMappingNode)root["network"];
        Assert.Equal(["version", "ethernets"], network.Children.Keys.Select(k => k.ToString()));
        var ethernets = (Y.YamlMappingNode)network["ethernets"];
        var (key, value) = Assert.Single(ethernets.Children);
        Assert.Equal(netplanId, ((Y.YamlScalarNode)key).Value);
        var entry = (Y.YamlMappingNode)value;
        Assert.Equal(["match", "set-name", "dhcp6", "accept-ra", "addresses", "routes"], entry.Children.Keys.Select(k => k.ToString()));
        Assert.Equal(interfaceName, ((Y.YamlScalarNode)entry["set-name"]).Value);
        Assert.Equal(Mac.ToString(), ((Y.YamlScalarNode)((Y.YamlMappingNode)entry["match"])["macaddress"]).Value);
    }
}
