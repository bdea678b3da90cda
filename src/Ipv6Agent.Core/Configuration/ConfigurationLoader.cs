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
internal static partial class ConfigurationLoader
{
    /// <summary>
    /// A real config is a few hundred bytes; the limit keeps a file of any size (or <c>/dev/zero</c>) from being read
    /// whole, and bounds the YAML reader's work.
    /// </summary>
    public const int MaxFileBytes = 64 * 1024;

    /// <summary>The agent's keys nest three deep; YamlDotNet builds its tree recursively, so depth must be refused first.</summary>
    public const int MaxDepth = 16;

    /// <summary>The longest pause between passes: a day. Beyond about 49.7 days the wait itself cannot be expressed.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromHours(24);

    /// <summary>Loads <paramref name="path"/>; a missing file is all defaults only when it is the default path.</summary>
    public static AgentOptions Load(string? path, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var explicitPath = path is not null;
        path ??= AgentOptions.DefaultConfigPath;
        string text;
        try
        {
            text = ReadBounded(path);
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
        if (text.Length > MaxFileBytes) throw TooLarge(source);
        var options = new AgentOptions();
        if (environment?.GetValueOrDefault("DOCKER_HOST") is { Length: > 0 } dockerHost)
            options = options with { Docker = new DockerOptions { Endpoint = DockerEndpoint(dockerHost) } };

        var document = Document(text, source);
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
                "provision" => options with { Provision = Choice(value, key, ProvisionMode.Off, ("off", ProvisionMode.Off), ("prefix", ProvisionMode.Prefix)) },
                "ec2" => options with { Ec2 = Ec2(Map(value, key)) },
                "apt" => options with { Apt = Apt(Map(value, key)) },
                "probe" => options with { Probe = Probe(Map(value, key)) },
                "reconcile" => options with { Reconcile = Reconcile(Map(value, key)) },
                "firewall" => options with { Firewall = Firewall(Map(value, key)) },
                "commands" => options with { Commands = Commands(Map(value, key)) },
                _ => throw Unknown(key, "root, imds, interface, addressing, provision, ec2, apt, probe, reconcile, firewall, commands"),
            };
        }
        return options;
    }

    /// <summary>The file's text, read no further than <see cref="MaxFileBytes"/> (a file may be a device that never ends).</summary>
    private static string ReadBounded(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.None);
        var buffer = new byte[MaxFileBytes + 1];
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = file.Read(buffer, filled, buffer.Length - filled)) > 0)
            filled += read;
        if (filled > MaxFileBytes) throw TooLarge(path);
        return new System.Text.UTF8Encoding(false).GetString(buffer, 0, filled).TrimStart('\uFEFF');
    }

    private static ConfigurationException TooLarge(string source) =>
        new(null, $"{source} is larger than {MaxFileBytes / 1024} KiB; the configuration is a handful of keys");

    /// <summary>The file's first document, through YamlDotNet, depth checked first. <c>null</c>: no document.</summary>
    private static YamlNode? Document(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            YamlDepth.Check(text, MaxDepth);
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

    private static Ec2Options Ec2(YamlMappingNode map) => Section(map, "ec2", new Ec2Options(), (o, key, value) => key switch
    {
        "endpoint" => o with { Endpoint = Ec2Options.ParseEndpoint(Text(value, "ec2.endpoint")) },
        _ => throw Unknown("ec2." + key, "endpoint"),
    });

    private static AptOptions Apt(YamlMappingNode map) => Section(map, "apt", new AptOptions(), (o, key, value) => key switch
    {
        "fix-mirrors" => o with { FixMirrors = Choice(value, "apt.fix-mirrors", MirrorFixMode.Auto, ("auto", MirrorFixMode.Auto), ("always", MirrorFixMode.Always), ("never", MirrorFixMode.Never)) },
        _ => throw Unknown("apt." + key, "fix-mirrors"),
    });

    private static ProbeOptions Probe(YamlMappingNode map) => Section(map, "probe", new ProbeOptions(), (o, key, value) => key switch
    {
        "image" => o with { Image = Image(NonEmpty(value, "probe.image")) },
        "targets" => o with { Targets = Targets(value) },
        _ => throw Unknown("probe." + key, "image, targets"),
    });

    private static ReconcileOptions Reconcile(YamlMappingNode map) => Section(map, "reconcile", new ReconcileOptions(), (o, key, value) => key switch
    {
        "interval" => o with { Interval = Duration(Text(value, "reconcile.interval"), "reconcile.interval", TimeSpan.FromSeconds(1), MaxInterval, "between passes") },
        _ => throw Unknown("reconcile." + key, "interval"),
    });

    private static CommandOptions Commands(YamlMappingNode map) => Section(map, "commands", new CommandOptions(), (o, key, value) => key switch
    {
        "netplan-apply" => o with { NetplanApply = NonEmpty(value, "commands.netplan-apply") },
        "docker-restart" => o with { DockerRestart = NonEmpty(value, "commands.docker-restart") },
        "firewall-load" => o with { FirewallLoad = NonEmpty(value, "commands.firewall-load") },
        "firewall-read" => o with { FirewallRead = NonEmpty(value, "commands.firewall-read") },
        "route-delete" => o with { RouteDelete = NonEmpty(value, "commands.route-delete") },
        _ => throw Unknown("commands." + key, "netplan-apply, docker-restart, firewall-load, firewall-read, route-delete"),
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

    private static string Image(string text) =>
        Verifying.ImageReference.TryParse(text, out _, out var why) ? text : throw new ConfigurationException("probe.image", $"'{Quoted(text)}' {why}");

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

    /// <summary>
    /// Go-style durations as people write them in YAML: <c>30s</c>, <c>5m</c>, <c>1h30m</c>, within
    /// [<paramref name="min"/>, <paramref name="max"/>]. Summed as doubles and checked before any <see cref="TimeSpan"/>
    /// is made: a number of any size is an error that names the key, never an overflow.
    /// </summary>
    internal static TimeSpan Duration(string text, string key, TimeSpan min, TimeSpan max, string what)
    {
        // Far longer than any sensible duration ("23h59m59.999s" is 13), short enough to quote in one line.
        const int MaxLength = 32;
        var match = text.Length is > 0 and <= MaxLength ? DurationPattern().Match(text) : null;
        if (match is not { Success: true })
            throw new ConfigurationException(key, $"'{Quoted(text)}' is not a duration (e.g. 30s, 5m, 1h30m)");
        var seconds = 0.0;
        foreach (Capture part in match.Groups["part"].Captures)
        {
            var unitAt = part.Value.TrimEnd("hms".ToCharArray()).Length;
            var number = double.Parse(part.Value[..unitAt], CultureInfo.InvariantCulture);
            seconds += part.Value[unitAt..] switch
            {
                "h" => number * 3600,
                "m" => number * 60,
                "ms" => number / 1000,
                _ => number,
            };
        }
        if (!double.IsFinite(seconds) || seconds > max.TotalSeconds)
            throw new ConfigurationException(key, $"'{text}' is too long: at most {Format(max)} {what}");
        return seconds >= min.TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new ConfigurationException(key, $"'{text}' is too short: at least {Format(min)} {what}");
    }

    private static string Format(TimeSpan span) =>
        span.TotalHours >= 1 && span.Ticks % TimeSpan.TicksPerHour == 0 ? $"{(long)span.TotalHours}h"
        : span.TotalMinutes >= 1 && span.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{(long)span.TotalMinutes}m"
        : $"{span.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s";

    /// <summary>A value as it may be quoted in a one-line error: its start, when it is long.</summary>
    private static string Quoted(string text) => text.Length <= 40 ? text : text[..40] + "…";

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
