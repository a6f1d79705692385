using YamlDotNet.RepresentationModel;

namespace Vigil.Server.Config.Binding;

/// <summary>
/// What a <see cref="ConfigSchema{T}"/> bound from one mapping, handed to its finishing check: the record with every
/// readable key applied, the mapping's node and document path, and which keys were present and which gave a value.
/// </summary>
internal sealed class ConfigBinding<T>(ConfigReader reader, YamlNode node, string where, IReadOnlyList<ConfigEntry> entries, T value)
    where T : class
{
    private readonly HashSet<string> _present = new(StringComparer.Ordinal);
    private readonly HashSet<string> _bound = new(StringComparer.Ordinal);

    /// <summary>Where errors go.</summary>
    public ConfigReader Reader { get; } = reader;

    /// <summary>The node the record was read from (a mapping unless the document is wrong).</summary>
    public YamlNode Node { get; } = node;

    /// <summary>The document path of <see cref="Node"/>: <c>optimization.policies[0]</c>.</summary>
    public string Where { get; } = where;

    /// <summary>The mapping's entries in document order (merge keys resolved), including keys that were not declared.</summary>
    public IReadOnlyList<ConfigEntry> Entries { get; } = entries;

    /// <summary>The record so far: the initial value with every key that gave a value applied.</summary>
    public T Value { get; internal set; } = value;

    /// <summary>True when <see cref="Node"/> is a mapping (a null or a scalar has already been reported or is allowed).</summary>
    public bool IsMapping => Node is YamlMappingNode;

    /// <summary>True when <paramref name="key"/> (for a group's keys <c>group.key</c>) is in the mapping.</summary>
    public bool Has(string key) => _present.Contains(key);

    /// <summary>True when <paramref name="key"/> (for a group's keys <c>group.key</c>) gave a valid value.</summary>
    public bool Bound(string key) => _bound.Contains(key);

    /// <summary>The last entry named <paramref name="key"/> (which must be present): where a cross-key problem is reported.</summary>
    public ConfigEntry Entry(string key) => Entries.Last(e => e.Key == key);

    /// <summary>Records a problem at the mapping's node.</summary>
    public void Error(string message) => Reader.Error(Node, message);

    internal void MarkPresent(string key) => _present.Add(key);

    internal void MarkBound(string key) => _bound.Add(key);
}
