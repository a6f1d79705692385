using YamlDotNet.RepresentationModel;

namespace Vigil.Server.Config.Binding;

/// <summary>
/// The declared keys of one YAML mapping and how each one is read onto an immutable options record
/// (<c>o with { Baseline = v }</c>): the YAML layer's whole knowledge of a section, written as a list of
/// <see cref="Key{V}"/> lines instead of a hand-written key switch.
/// </summary>
/// <remarks>
/// <para>
/// Binding is strict and reports every problem at once through <see cref="ConfigReader"/> (file:line:col and the key's
/// document path): a key that is not declared is an <c>unknown key</c>, an <see cref="Unsupported(string[])"/> key names the
/// Prometheus setting Vigil lacks, a <see cref="Reject"/>ed key gets its own message, and a value that does not read
/// keeps the record's default. Keys are applied in document order; keys declared <c>late</c> are applied afterwards in
/// declaration order, so they can see the others (policies that name executors, executors that obey allow-lists).
/// A <see cref="Finish"/> check sees the bound record and which keys were present and valid, for required keys and
/// cross-key rules.
/// </para>
/// <para>A schema is immutable once declared (declare it in a static field) and thread-safe to bind with.</para>
/// </remarks>
internal sealed class ConfigSchema<T>
    where T : class
{
    private readonly Dictionary<string, Field> _fields = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly HashSet<string> _ignored = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unsupported = new(StringComparer.Ordinal);
    private Func<string, bool> _unsupportedWhen = _ => false;
    private readonly Dictionary<string, Func<ConfigEntry, string>> _rejected = new(StringComparer.Ordinal);
    private Func<ConfigBinding<T>, T?> _finish = b => b.Value;

    private sealed record Field(Func<ConfigReader, ConfigEntry, T, T?>? Bind, bool Late, ConfigSchema<T>? Group);

    /// <summary>The declared keys (for documentation and tests).</summary>
    public IReadOnlyList<string> Keys => _order;

    /// <summary>Declares <paramref name="key"/>: its value is read by <paramref name="read"/> and stored by <paramref name="set"/>.</summary>
    public ConfigSchema<T> Key<V>(string key, ConfigValue<V> read, Func<T, V, T> set, bool late = false) =>
        Add(key, new Field((r, e, o) => read(r, e, out var v) ? set(o, v) : null, late, null));

    /// <summary>
    /// Declares <paramref name="key"/> with its own binding code, for values that depend on the record bound so far:
    /// <paramref name="bind"/> returns the new record, or null when the value gave nothing (problems recorded).
    /// </summary>
    public ConfigSchema<T> Custom(string key, Func<ConfigReader, ConfigEntry, T, T?> bind, bool late = false) =>
        Add(key, new Field(bind, late, null));

    /// <summary>Declares a nested mapping whose keys (declared in <paramref name="inner"/>) fill the same record.</summary>
    public ConfigSchema<T> Group(string key, ConfigSchema<T> inner) => Add(key, new Field(null, false, inner));

    /// <summary>Keys accepted without binding here (read by a first pass, such as an executor's <c>name</c> and <c>type</c>).</summary>
    public ConfigSchema<T> Ignore(params string[] keys)
    {
        _ignored.UnionWith(keys);
        return this;
    }

    /// <summary>Prometheus settings Vigil recognises but does not implement: each is reported as unsupported.</summary>
    public ConfigSchema<T> Unsupported(params string[] keys)
    {
        _unsupported.UnionWith(keys);
        return this;
    }

    /// <summary>Undeclared keys that <paramref name="isUnsupported"/> recognises as Prometheus settings (<c>*_sd_configs</c>): each is reported as unsupported.</summary>
    public ConfigSchema<T> Unsupported(Func<string, bool> isUnsupported)
    {
        _unsupportedWhen = isUnsupported;
        return this;
    }

    /// <summary>Keys that belong elsewhere (another kind's keys): each is reported at its key with <paramref name="message"/>.</summary>
    public ConfigSchema<T> Reject(IEnumerable<string> keys, Func<ConfigEntry, string> message)
    {
        foreach (string key in keys)
        {
            _rejected[key] = message;
        }
        return this;
    }

    /// <summary>The check run after the keys are bound: returns the final record, or null (with an error recorded) when it is not valid.</summary>
    public ConfigSchema<T> Finish(Func<ConfigBinding<T>, T?> finish)
    {
        _finish = finish;
        return this;
    }

    /// <summary>Binds the mapping at <paramref name="node"/> onto <paramref name="initial"/>; null when the finishing check refuses it.</summary>
    public T? Bind(ConfigReader r, YamlNode node, string where, T initial) => Bind(r, node, where, r.Mapping(node, where), initial);

    /// <summary>
    /// Binds <paramref name="entries"/>, already read from the mapping at <paramref name="node"/> by a first pass
    /// (so that problems of the mapping itself are reported once), onto <paramref name="initial"/>.
    /// </summary>
    public T? Bind(ConfigReader r, YamlNode node, string where, IReadOnlyList<ConfigEntry> entries, T initial)
    {
        var binding = new ConfigBinding<T>(r, node, where, entries, initial);
        BindInto(binding, entries, string.Empty);
        return _finish(binding);
    }

    /// <summary>Binds the value of the entry <paramref name="e"/> (a mapping) onto <paramref name="initial"/>.</summary>
    public T? Bind(ConfigReader r, ConfigEntry e, T initial) => Bind(r, e.Value, e.Path, initial);

    /// <summary>This schema as a reader of a nested mapping value, starting from <paramref name="initial"/>.</summary>
    public ConfigValue<T> Value(Func<T> initial) => (ConfigReader r, ConfigEntry e, out T value) =>
    {
        value = Bind(r, e, initial())!;
        return value is not null;
    };

    /// <summary>This schema as a reader of list items, each starting from <paramref name="initial"/>.</summary>
    public ConfigItem<T> Item(Func<T> initial) => (ConfigReader r, YamlNode node, string where, out T value) =>
    {
        value = Bind(r, node, where, initial())!;
        return value is not null;
    };

    private ConfigSchema<T> Add(string key, Field field)
    {
        if (!_fields.TryAdd(key, field))
        {
            throw new InvalidOperationException($"the key \"{key}\" is declared twice in the schema of {typeof(T).Name}");
        }
        _order.Add(key);
        return this;
    }

    private void BindInto(ConfigBinding<T> b, IReadOnlyList<ConfigEntry> entries, string prefix)
    {
        var r = b.Reader;
        List<(string Name, Field Field, ConfigEntry Entry)>? late = null;
        foreach (var e in entries)
        {
            if (_ignored.Contains(e.Key))
            {
                b.MarkPresent(prefix + e.Key);
                continue;
            }
            if (_rejected.TryGetValue(e.Key, out var message))
            {
                r.Error(e.KeyNode, message(e));
                continue;
            }
            if (_unsupported.Contains(e.Key))
            {
                r.Unsupported(e);
                continue;
            }
            if (!_fields.TryGetValue(e.Key, out var field))
            {
                if (_unsupportedWhen(e.Key))
                {
                    r.Unsupported(e);
                }
                else
                {
                    r.UnknownKey(e);
                }
                continue;
            }
            string name = prefix + e.Key;
            b.MarkPresent(name);
            if (field.Group is { } group)
            {
                group.BindInto(b, r.Mapping(e.Value, e.Path), name + ".");
            }
            else if (field.Late)
            {
                (late ??= new()).Add((name, field, e));
            }
            else
            {
                Apply(b, name, field, e);
            }
        }
        if (late is not null)
        {
            // Note: late keys run in declaration order, whatever their order in the file.
            foreach (var (name, field, e) in late.OrderBy(l => _order.IndexOf(l.Entry.Key)))
            {
                Apply(b, name, field, e);
            }
        }
    }

    private static void Apply(ConfigBinding<T> b, string name, Field field, ConfigEntry e)
    {
        if (field.Bind!(b.Reader, e, b.Value) is { } bound)
        {
            b.Value = bound;
            b.MarkBound(name);
        }
    }
}
