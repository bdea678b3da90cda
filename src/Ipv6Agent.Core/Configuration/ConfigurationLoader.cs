using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Ipv6Agent.Addressing;
using Ipv6Agent.Firewall;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Ipv6Agent.Configuration;

/// <summary>
/// Reads <c>config.yaml</c> into <see cref="AgentOptions"/>, validating every key at start: a bad file is a
/// <see cref="ConfigurationException"/> that names the key and the reason (exit 78), never a surprise mid-pass.
/// </summary>
public static partial class ConfigurationLoader
{
    /// <summary>Loads <paramref name="path"/>; a missing file is all defaults only when it is the default path.</summary>
    public static AgentOptions Load(string? path, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var explicitPath = path is not null;
        path ??= AgentOptions.DefaultConfigPath;
        string text;
        try
        {
            // Most hosts have no config file.
            text = !explicitPath && MissingFile.Is(path) ? "" : File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException && !explicitPath)
        {
            text = "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(null, $"cannot read the configuration file {path}: {e.Message}");
        }
        return Parse(text, path, environment);
    }

    public static AgentOptions Parse(string text, string source = "config.yaml", IReadOnlyDictionary<string, string?>? environment = null)
    {
        var options = new AgentOptions();
        if (environment?.GetValueOrDefault("DOCKER_HOST") is { Length: > 0 } dockerHost)
            options = options with { Docker = new DockerOptions { Endpoint = DockerEndpoint(dockerHost) } };

        var document = SimpleYaml.TryParse(text, out var simple) ? simple : FullYaml(text, source);
        if (document is null or YamlScalarNode { Value: null or "" or "~" or "null" })
            return options;
        var root = Map(document, "(top level)");

        foreach (var (keyNode, value) in root.Children)
        {
            var key = KeyOf(keyNode, "(top level)");
            options = key switch
            {
                "root" => options with { Root = RootPath(Text(value, key)) },
                "imds" => options with { Imds = Imds(Map(value, key)) },
                "interface" => options with { Interface = Interface(Text(value, key)) },
                "addressing" => options with { Addressing = Choice(value, key, AddressingMode.Auto, ("auto", AddressingMode.Auto), ("prefix", AddressingMode.Prefix), ("block", AddressingMode.Block)) },
                "apt" => options with { Apt = Apt(Map(value, key)) },
                "probe" => options with { Probe = Probe(Map(value, key)) },
                "reconcile" => options with { Reconcile = Reconcile(Map(value, key)) },
                "firewall" => options with { Firewall = Firewall(Map(value, key)) },
                "commands" => options with { Commands = Commands(Map(value, key)) },
                _ => throw Unknown(key, "root, imds, interface, addressing, apt, probe, reconcile, firewall, commands"),
            };
        }
        return options;
    }

    /// <summary>Any YAML, through YamlDotNet: what <see cref="SimpleYaml"/> declines. <c>null</c>: no document.</summary>
    private static YamlNode? FullYaml(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ConfigurationException(null, $"{source} is not valid YAML (line {e.Start.Line}, column {e.Start.Column}): {e.InnerException?.Message ?? e.Message}");
        }
        return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
    }

    private static ImdsOptions Imds(YamlMappingNode map) => Section(map, "imds", new ImdsOptions(), (o, key, value) => key switch
    {
        "endpoint" => o with { Endpoint = ImdsEndpoint(Text(value, "imds.endpoint")) },
        _ => throw Unknown("imds." + key, "endpoint"),
    });

    private static AptOptions Apt(YamlMappingNode map) => Section(map, "apt", new AptOptions(), (o, key, value) => key switch
    {
        "fix-mirrors" => o with { FixMirrors = Choice(value, "apt.fix-mirrors", MirrorFixMode.Auto, ("auto", MirrorFixMode.Auto), ("always", MirrorFixMode.Always), ("never", MirrorFixMode.Never)) },
        _ => throw Unknown("apt." + key, "fix-mirrors"),
    });

    private static ProbeOptions Probe(YamlMappingNode map) => Section(map, "probe", new ProbeOptions(), (o, key, value) => key switch
    {
        "image" => o with { Image = NonEmpty(value, "probe.image") },
        "targets" => o with { Targets = Targets(value) },
        _ => throw Unknown("probe." + key, "image, targets"),
    });

    private static ReconcileOptions Reconcile(YamlMappingNode map) => Section(map, "reconcile", new ReconcileOptions(), (o, key, value) => key switch
    {
        "interval" => o with { Interval = Duration(Text(value, "reconcile.interval"), "reconcile.interval") },
        _ => throw Unknown("reconcile." + key, "interval"),
    });

    private static CommandOptions Commands(YamlMappingNode map) => Section(map, "commands", new CommandOptions(), (o, key, value) => key switch
    {
        "netplan-apply" => o with { NetplanApply = NonEmpty(value, "commands.netplan-apply") },
        "docker-restart" => o with { DockerRestart = NonEmpty(value, "commands.docker-restart") },
        "firewall-load" => o with { FirewallLoad = NonEmpty(value, "commands.firewall-load") },
        "firewall-read" => o with { FirewallRead = NonEmpty(value, "commands.firewall-read") },
        _ => throw Unknown("commands." + key, "netplan-apply, docker-restart, firewall-load, firewall-read"),
    });

    private static FirewallOptions Firewall(YamlMappingNode map) => Section(map, "firewall", new FirewallOptions(), (o, key, value) => key switch
    {
        "mode" => o with { Mode = Choice(value, "firewall.mode", FirewallMode.Published, ("published", FirewallMode.Published), ("open", FirewallMode.Open)) },
        "allow" => o with { Allow = AllowedPorts(value) },
        _ => throw Unknown("firewall." + key, "mode, allow"),
    });

    private static IReadOnlyList<ContainerPort> AllowedPorts(YamlNode node)
    {
        if (node is YamlScalarNode { Value: null or "" or "~" or "null" }) return [];
        if (node is not YamlSequenceNode sequence)
            throw new ConfigurationException("firewall.allow", "must be a list of ports (e.g. [tcp/22, udp/51820])");
        var ports = new SortedSet<ContainerPort>();
        foreach (var item in sequence.Children)
        {
            var text = item is YamlScalarNode { Value: { } v } ? v.Trim() : "";
            if (!ContainerPort.TryParse(text, out var port))
                throw new ConfigurationException("firewall.allow", $"'{text}' is not a port: tcp/N, udp/N or sctp/N with N from 1 to 65535 (e.g. tcp/22)");
            ports.Add(port);
        }
        return [.. ports];
    }

    private static T Section<T>(YamlMappingNode map, string section, T seed, Func<T, string, YamlNode, T> apply)
    {
        foreach (var (keyNode, value) in map.Children)
            seed = apply(seed, KeyOf(keyNode, section), value);
        return seed;
    }

    private static string RootPath(string text) =>
        text.StartsWith('/') ? text : throw new ConfigurationException("root", $"'{text}' is not an absolute path (e.g. / or /mnt/image)");

    private static Uri? ImdsEndpoint(string text)
    {
        if (text == "auto") return null;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.AbsolutePath is "/" or "")
            return uri;
        throw new ConfigurationException("imds.endpoint", $"'{text}' is neither 'auto' nor an http URL of the service's root (e.g. http://[fd00:ec2::254])");
    }

    private static MacAddress? Interface(string text) =>
        text == "auto" ? null
        : MacAddress.TryParse(text, out var mac) ? mac
        : throw new ConfigurationException("interface", $"'{text}' is neither 'auto' nor a MAC address (e.g. 12:fb:b4:8b:15:f8)");

    private static IReadOnlyList<string> Targets(YamlNode node)
    {
        if (node is YamlScalarNode { Value: null or "" or "~" or "null" }) return [];
        if (node is not YamlSequenceNode sequence)
            throw new ConfigurationException("probe.targets", "must be a list of addresses or host names (e.g. [2001:db8::e, example.com])");
        var targets = new List<string>();
        foreach (var item in sequence.Children)
        {
            var text = item is YamlScalarNode { Value: { } v } ? v.Trim() : "";
            if (IPAddress.TryParse(text, out var address))
                targets.Add(address.ToString());
            else if (HostName().IsMatch(text))
                targets.Add(text);
            else
                throw new ConfigurationException("probe.targets", $"'{text}' is neither an IP address nor a host name");
        }
        return targets;
    }

    /// <summary>Go-style durations as people write them in YAML: <c>30s</c>, <c>5m</c>, <c>1h30m</c>.</summary>
    internal static TimeSpan Duration(string text, string key)
    {
        var match = DurationPattern().Match(text);
        if (!match.Success || text.Length == 0)
            throw new ConfigurationException(key, $"'{text}' is not a duration (e.g. 30s, 5m, 1h30m)");
        var total = TimeSpan.Zero;
        foreach (Capture part in match.Groups["part"].Captures)
        {
            var unitAt = part.Value.TrimEnd("hms".ToCharArray()).Length;
            var number = double.Parse(part.Value[..unitAt], CultureInfo.InvariantCulture);
            total += part.Value[unitAt..] switch
            {
                "h" => TimeSpan.FromHours(number),
                "m" => TimeSpan.FromMinutes(number),
                "ms" => TimeSpan.FromMilliseconds(number),
                _ => TimeSpan.FromSeconds(number),
            };
        }
        return total >= TimeSpan.FromSeconds(1)
            ? total
            : throw new ConfigurationException(key, $"'{text}' is too short: at least 1s between passes");
    }

    private static TEnum Choice<TEnum>(YamlNode node, string key, TEnum _, params (string Name, TEnum Value)[] choices)
    {
        var text = Text(node, key);
        foreach (var (name, value) in choices)
            if (name == text) return value;
        throw new ConfigurationException(key, $"'{text}' is not one of {string.Join(", ", choices.Select(c => c.Name))}");
    }

    private static string NonEmpty(YamlNode node, string key) =>
        Text(node, key) is { Length: > 0 } text && !string.IsNullOrWhiteSpace(text)
            ? text
            : throw new ConfigurationException(key, "must not be empty");

    private static string Text(YamlNode node, string key) =>
        node is YamlScalarNode { Value: { } value } ? value.Trim()
        : throw new ConfigurationException(key, "must be a single value, not a list or a mapping");

    private static YamlMappingNode Map(YamlNode node, string key) =>
        node as YamlMappingNode ?? throw new ConfigurationException(key is "(top level)" ? null : key,
            key is "(top level)" ? "the configuration must be a mapping of keys (e.g. 'addressing: block')" : "must be a mapping of keys");

    private static string KeyOf(YamlNode node, string section) =>
        node is YamlScalarNode { Value: { } key } ? key : throw new ConfigurationException(section, "has a key that is not a plain name");

    private static ConfigurationException Unknown(string key, string known) =>
        new(key, $"unknown key (known here: {known})");

    private static Uri DockerEndpoint(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "unix" or "tcp" or "http" or "https"
            ? uri
            : throw new ConfigurationException("DOCKER_HOST", $"'{text}' is not a Docker endpoint (e.g. unix:///var/run/docker.sock)");

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?(ms|h|m|s))+$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")]
    private static partial Regex HostName();
}
