using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Ipv6Agent.Testing.Imds;

/// <summary>Reads fake instances from YAML (camelCase keys, as in <see cref="FakeInstance"/> and <see cref="FakeEni"/>).</summary>
public static class FakeImdsYaml
{
    /// <summary>
    /// YamlDotNet cannot build an <see cref="IReadOnlyList{T}"/> on its own; the mapping tells it to use a list,
    /// which keeps the records' public shape read-only.
    /// </summary>
    public static IDeserializer Deserializer { get; } = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .WithTypeMapping<IReadOnlyList<string>, List<string>>()
        .WithTypeMapping<IReadOnlyList<FakeEni>, List<FakeEni>>()
        .WithTypeMapping<IReadOnlyList<FakeInstance>, List<FakeInstance>>()
        .Build();

    public static FakeInstance ParseInstance(string yaml) => Deserializer.Deserialize<FakeInstance>(yaml);

    public static IReadOnlyList<FakeInstance> ParseInstances(string yaml) => Deserializer.Deserialize<List<FakeInstance>>(yaml);
}
