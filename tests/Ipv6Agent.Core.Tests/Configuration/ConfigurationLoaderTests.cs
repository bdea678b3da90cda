using Ipv6Agent.Addressing;
using Ipv6Agent.Firewall;

namespace Ipv6Agent.Configuration;

public sealed class ConfigurationLoaderTests
{
    [Fact]
    public void Parse_EmptyFile_IsAllDefaults()
    {
        var options = ConfigurationLoader.Parse("");

        Assert.Equal("/", options.Root);
        Assert.Null(options.Imds.Endpoint);
        Assert.Equal([ImdsOptions.Ipv4Endpoint, ImdsOptions.Ipv6Endpoint], options.Imds.Candidates);
        Assert.Null(options.Interface);
        Assert.Equal(AddressingMode.Auto, options.Addressing);
        Assert.Equal(MirrorFixMode.Auto, options.Apt.FixMirrors);
        Assert.Equal("busybox:stable", options.Probe.Image);
        Assert.Empty(options.Probe.Targets);
        Assert.Equal(TimeSpan.FromMinutes(5), options.Reconcile.Interval);
        Assert.Equal("netplan apply", options.Commands.NetplanApply);
        Assert.Equal("systemctl restart docker", options.Commands.DockerRestart);
        Assert.Equal(new Uri("unix:///var/run/docker.sock"), options.Docker.Endpoint);
    }

    [Fact]
    public void Parse_EveryKey_IsRead()
    {
        const string yaml = """
            root: /mnt/image
            imds:
              endpoint: http://[fd00:ec2::254]
            interface: 12:FB:B4:8B:15:F8
            addressing: block
            apt:
              fix-mirrors: never
            probe:
              image: registry.local/busybox:1.36
              targets: [2001:db8:47b:ca03:0:0:0:e, ipv6.example.com]
            reconcile:
              interval: 1h30m
            commands:
              netplan-apply: /usr/local/bin/apply-net
              docker-restart: /usr/local/bin/restart-docker
            """;

        var options = ConfigurationLoader.Parse(yaml, environment: new Dictionary<string, string?> { ["DOCKER_HOST"] = "unix:///run/d.sock" });

        Assert.Equal("/mnt/image", options.Root);
        Assert.Equal(new Uri("http://[fd00:ec2::254]"), options.Imds.Endpoint);
        Assert.Equal(MacAddress.Parse("12:fb:b4:8b:15:f8"), options.Interface);
        Assert.Equal(AddressingMode.Block, options.Addressing);
        Assert.Equal(MirrorFixMode.Never, options.Apt.FixMirrors);
        Assert.Equal("registry.local/busybox:1.36", options.Probe.Image);
        Assert.Equal(["2001:db8:47b:ca03::e", "ipv6.example.com"], options.Probe.Targets);
        Assert.Equal(TimeSpan.FromMinutes(90), options.Reconcile.Interval);
        Assert.Equal("/usr/local/bin/apply-net", options.Commands.NetplanApply);
        Assert.Equal(new Uri("unix:///run/d.sock"), options.Docker.Endpoint);
    }

    [Theory]
    [InlineData("addressing: blocks", "addressing", "'blocks' is not one of auto, prefix, block")]
    [InlineData("interface: eth0", "interface", "'eth0' is neither 'auto' nor a MAC address")]
    [InlineData("imds:\n  endpoint: ftp://x", "imds.endpoint", "'ftp://x' is neither 'auto' nor an http URL")]
    [InlineData("imds: auto", "imds", "must be a mapping of keys")]
    [InlineData("apt:\n  fix-mirrors: yes", "apt.fix-mirrors", "'yes' is not one of auto, always, never")]
    [InlineData("reconcile:\n  interval: often", "reconcile.interval", "'often' is not a duration")]
    [InlineData("reconcile:\n  interval: 0s", "reconcile.interval", "too short")]
    [InlineData("probe:\n  targets: 2001:db8::e", "probe.targets", "must be a list")]
    [InlineData("probe:\n  targets: ['not a host!']", "probe.targets", "'not a host!' is neither an IP address nor a host name")]
    [InlineData("probe:\n  image: ''", "probe.image", "must not be empty")]
    [InlineData("probe:\n  image: BusyBox", "probe.image", "'BusyBox' is not an image reference")]
    [InlineData("probe:\n  image: busybox@sha256:abc", "probe.image", "is not an image reference")]
    [InlineData("probe:\n  image: busybox@sha256:0123456789abcdef0123456789abcdef", "probe.image", "sha256 digest that is not 64 lower-case hex digits")]
    [InlineData("probe:\n  image: \"busybox:\\e[31m\"", "probe.image", "is not an image reference")]
    [InlineData("commands:\n  netplan-apply: ''", "commands.netplan-apply", "must not be empty")]
    [InlineData("root: relative/dir", "root", "is not an absolute path")]
    [InlineData("firewall:\n  mode: closed", "firewall.mode", "'closed' is not one of published, open")]
    [InlineData("firewall:\n  allow: tcp/22", "firewall.allow", "must be a list of ports")]
    [InlineData("firewall:\n  allow: [tcp/0]", "firewall.allow", "'tcp/0' is not a port")]
    [InlineData("firewall:\n  allow: [icmp/1]", "firewall.allow", "'icmp/1' is not a port")]
    [InlineData("firewall:\n  allow: [tcp/65536]", "firewall.allow", "'tcp/65536' is not a port")]
    [InlineData("firewall:\n  allow: [22]", "firewall.allow", "'22' is not a port")]
    [InlineData("firewall:\n  open: true", "firewall.open", "unknown key")]
    [InlineData("commands:\n  firewall-load: ''", "commands.firewall-load", "must not be empty")]
    [InlineData("adressing: block", "adressing", "unknown key")]
    [InlineData("probe:\n  imgae: x", "probe.imgae", "unknown key")]
    public void Parse_BadValue_NamesTheKeyAndTheReason(string yaml, string key, string reason)
    {
        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Parse(yaml));

        Assert.Equal(key, error.Key);
        Assert.StartsWith(key + ": ", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Parse_Firewall_ModeAllowAndCommands()
    {
        var options = ConfigurationLoader.Parse("firewall:\n  mode: open\n  allow: [udp/51820, tcp/22, TCP/22]\ncommands:\n  firewall-load: cat >/dev/null\n  firewall-read: echo '{}'\n");

        Assert.Equal(FirewallMode.Open, options.Firewall.Mode);
        Assert.Equal([new ContainerPort(TransportProtocol.Tcp, 22), new ContainerPort(TransportProtocol.Udp, 51820)], options.Firewall.Allow);
        Assert.Equal("cat >/dev/null", options.Commands.FirewallLoad);
        Assert.Equal("echo '{}'", options.Commands.FirewallRead);
        var defaults = ConfigurationLoader.Parse("");
        Assert.Equal(FirewallMode.Published, defaults.Firewall.Mode);
        Assert.Empty(defaults.Firewall.Allow);
        Assert.Equal("nft -f -", defaults.Commands.FirewallLoad);
        Assert.Equal("nft -j list ruleset", defaults.Commands.FirewallRead);
    }

    [Fact]
    public void Parse_BrokenYaml_SaysWhereInTheFile()
    {
        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Parse("probe: [unclosed", "/etc/ipv6-agent/config.yaml"));

        Assert.Contains("/etc/ipv6-agent/config.yaml is not valid YAML (line ", error.Message);
    }

    [Fact]
    public void Parse_BadDockerHost_IsAConfigurationError()
    {
        var error = Assert.Throws<ConfigurationException>(() =>
            ConfigurationLoader.Parse("", environment: new Dictionary<string, string?> { ["DOCKER_HOST"] = "/var/run/docker.sock" }));

        Assert.Equal("DOCKER_HOST", error.Key);
    }

    [Fact]
    public void Load_MissingDefaultFile_IsDefaultsButAMissingExplicitFileIsAnError()
    {
        var missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("n"), "config.yaml");

        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(missing));

        Assert.Contains($"cannot read the configuration file {missing}", error.Message);
    }

    [Theory]
    [InlineData("busybox@sha256:6d9ac9237a84afe1516540f40a0fafdc86859b2141954b4d643af7066d598b74")]
    [InlineData("registry.local:5000/tools/busybox:1.36@sha256:6d9ac9237a84afe1516540f40a0fafdc86859b2141954b4d643af7066d598b74")]
    [InlineData("[2001:db8::5]:5000/probe")]
    public void Parse_ImageWithRegistryPortOrDigest_IsTakenAsWritten(string image)
    {
        Assert.Equal(image, ConfigurationLoader.Parse($"probe:\n  image: \"{image}\"").Probe.Image);
    }

    [Theory]
    [InlineData("24h", 86400)]
    [InlineData("86400s", 86400)]
    [InlineData("23h59m59.5s", 86399.5)]
    [InlineData("1s", 1)]
    [InlineData("1000ms", 1)]
    public void Parse_IntervalWithinBounds_IsTaken(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), ConfigurationLoader.Parse($"reconcile:\n  interval: {text}").Reconcile.Interval);
    }

    [Theory]
    [InlineData("24h1s", "is too long: at most 24h between passes")]
    [InlineData("1441m", "is too long")]
    [InlineData("1194h", "is too long")]
    [InlineData("999999999999999999999999999h", "is too long")]
    [InlineData("99999999999999999999999999999999h", "is not a duration")]
    [InlineData("999ms", "is too short: at least 1s between passes")]
    [InlineData("0.0000000001s", "is too short")]
    public void Parse_IntervalOutOfBounds_NamesTheKey(string text, string reason)
    {
        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Parse($"reconcile:\n  interval: {text}"));

        Assert.Equal("reconcile.interval", error.Key);
        Assert.Contains(reason, error.Message);
    }

    [Theory]
    [InlineData(15, true)]
    [InlineData(16, true)]
    [InlineData(17, false)]
    [InlineData(300, false)]
    public void Parse_BlockNesting_RefusedBeyondTheLimit(int depth, bool withinLimit)
    {
        var yaml = string.Concat(Enumerable.Range(0, depth).Select(i => new string(' ', i) + $"k{i}:\n"));

        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Parse(yaml));

        Assert.Equal(withinLimit, !error.Message.Contains("nested deeper than 16 levels", StringComparison.Ordinal));
        Assert.StartsWith("k0", error.Key, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[", "]")]
    [InlineData("{a: ", "}")]
    [InlineData("[{a: ", "}]")]
    public void Parse_FlowNestingAsDeepAsTheSizeAllows_IsAConfigurationError(string open, string close)
    {
        var levels = (ConfigurationLoader.MaxFileBytes - 32) / (open.Length + close.Length);
        var yaml = "probe:\n  targets: " + string.Concat(Enumerable.Repeat(open, levels)) + "x" + string.Concat(Enumerable.Repeat(close, levels));

        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Parse(yaml));

        Assert.StartsWith("probe.targets", error.Key, StringComparison.Ordinal);
        Assert.Contains("nested deeper than 16 levels (line 2, column ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_LargerThanTheLimit_IsRefusedBeforeParsing()
    {
        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Parse(new string('#', ConfigurationLoader.MaxFileBytes + 1), "/etc/ipv6-agent/config.yaml"));

        Assert.Null(error.Key);
        Assert.Equal("/etc/ipv6-agent/config.yaml is larger than 64 KiB; the configuration is a handful of keys", error.Message);
    }
}
