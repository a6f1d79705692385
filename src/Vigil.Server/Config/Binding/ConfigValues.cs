using Vigil.Core.Labels;
using Vigil.PromQL.Parser;
using YamlDotNet.RepresentationModel;

namespace Vigil.Server.Config.Binding;

/// <summary>
/// The readers <see cref="ConfigSchema{T}"/> declarations use for values: scalars, ranges, durations, enumerations,
/// lists and nested records. Each reports a bad value through <see cref="ConfigReader"/> with the messages Vigil has
/// always used (<c>invalid "key" in path: must be between 0 and 100, got 150</c>). Thread-safe.
/// </summary>
internal static class ConfigValues
{
    /// <summary>Any scalar as a string.</summary>
    public static readonly ConfigValue<string> Text = (ConfigReader r, ConfigEntry e, out string value) => (value = r.String(e)!) is not null;

    /// <summary>A PromQL expression (checked by parsing it).</summary>
    public static readonly ConfigValue<string> PromQLExpr = Text.Check(q =>
    {
        try
        {
            PromQLParser.ParseExpr(q);
            return null;
        }
        catch (PromQLParseException ex)
        {
            return ex.Message;
        }
    });

    /// <summary><c>true</c> or <c>false</c>.</summary>
    public static readonly ConfigValue<bool> Bool = (ConfigReader r, ConfigEntry e, out bool value) => Has(r.Bool(e), out value);

    /// <summary>A Prometheus duration, zero allowed.</summary>
    public static readonly ConfigValue<TimeSpan> Duration = (ConfigReader r, ConfigEntry e, out TimeSpan value) => Has(r.Duration(e), out value);

    /// <summary>A Prometheus duration greater than zero.</summary>
    public static readonly ConfigValue<TimeSpan> PositiveDuration = (ConfigReader r, ConfigEntry e, out TimeSpan value) => Has(r.PositiveDuration(e), out value);

    /// <summary>Whole seconds (the seed's <c>300</c>) or a duration (<c>5m</c>), greater than zero.</summary>
    public static readonly ConfigValue<TimeSpan> SecondsOrDuration = (ConfigReader r, ConfigEntry e, out TimeSpan value) => Has(r.SecondsOrDuration(e), out value);

    /// <summary>An integer from 1 to <see cref="int.MaxValue"/>.</summary>
    public static readonly ConfigValue<int> PositiveInt = (ConfigReader r, ConfigEntry e, out int value) => Has(r.PositiveInt(e), out value);

    /// <summary>An integer from 0 up.</summary>
    public static readonly ConfigValue<long> NonNegativeInteger = (ConfigReader r, ConfigEntry e, out long value) => Has(r.NonNegativeInteger(e), out value);

    /// <summary>A byte size (<c>10MB</c>).</summary>
    public static readonly ConfigValue<long> Bytes = (ConfigReader r, ConfigEntry e, out long value) => Has(r.Bytes(e), out value);

    /// <summary>A list of strings.</summary>
    public static readonly ConfigValue<List<string>> StringList = (ConfigReader r, ConfigEntry e, out List<string> value) =>
    {
        value = r.StringList(e);
        return true;
    };

    /// <summary>A finite number from <paramref name="min"/> to <paramref name="max"/> (both inclusive).</summary>
    public static ConfigValue<double> Number(double min, double max) => (ConfigReader r, ConfigEntry e, out double value) => Has(r.Number(e, min, max), out value);

    /// <summary>An integer from <paramref name="min"/> (at least 1) up, reported as <c>must be at least N</c> below it.</summary>
    public static ConfigValue<int> IntAtLeast(int min) => PositiveInt.Where(n => n >= min, n => $"must be at least {min}");

    /// <summary>One of the names in <paramref name="choices"/>, reported as <c>expected a, b or c, got "x"</c> otherwise.</summary>
    public static ConfigValue<V> OneOf<V>(params (string Name, V Value)[] choices)
    {
        string expected = Alternatives(choices.Select(c => c.Name).ToList());
        return (ConfigReader r, ConfigEntry e, out V value) =>
        {
            value = default!;
            if (r.String(e) is not { } s)
            {
                return false;
            }
            foreach (var (name, v) in choices)
            {
                if (name == s)
                {
                    value = v;
                    return true;
                }
            }
            r.Invalid(e, $"expected {expected}, got \"{s}\"");
            return false;
        };
    }

    /// <summary>The items of a list, each read by <paramref name="item"/>; items that do not read are left out.</summary>
    public static ConfigValue<List<V>> ListOf<V>(ConfigItem<V> item) => (ConfigReader r, ConfigEntry e, out List<V> value) =>
    {
        value = new List<V>();
        foreach (var (node, where) in r.Sequence(e))
        {
            if (item(r, node, where, out var v))
            {
                value.Add(v);
            }
        }
        return true;
    };

    /// <summary>
    /// The items of a list whose <paramref name="key"/> must be unique: a repeated one is reported at its item with
    /// <paramref name="duplicate"/> (given the key and the item's path) and left out.
    /// </summary>
    public static ConfigValue<List<V>> UniqueListOf<V>(ConfigItem<V> item, Func<V, string> key, Func<string, string, string> duplicate) =>
        (ConfigReader r, ConfigEntry e, out List<V> value) =>
        {
            value = new List<V>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (node, where) in r.Sequence(e))
            {
                if (!item(r, node, where, out var v))
                {
                    continue;
                }
                if (seen.Add(key(v)))
                {
                    value.Add(v);
                }
                else
                {
                    r.Error(node, duplicate(key(v), where));
                }
            }
            return true;
        };

    /// <summary>A reader that also requires <paramref name="valid"/>; otherwise the value is reported with <paramref name="problem"/>.</summary>
    public static ConfigValue<V> Where<V>(this ConfigValue<V> read, Func<V, bool> valid, Func<V, string> problem) =>
        (ConfigReader r, ConfigEntry e, out V value) =>
        {
            if (!read(r, e, out value))
            {
                return false;
            }
            if (valid(value))
            {
                return true;
            }
            r.Invalid(e, problem(value));
            return false;
        };

    /// <summary>A reader whose value is converted by <paramref name="map"/> (which cannot fail).</summary>
    public static ConfigValue<W> As<V, W>(this ConfigValue<V> read, Func<V, W> map) =>
        (ConfigReader r, ConfigEntry e, out W value) =>
        {
            bool ok = read(r, e, out var v);
            value = ok ? map(v) : default!;
            return ok;
        };

    /// <summary>A reader whose value is checked by <paramref name="check"/>, which returns a problem (reported) or null.</summary>
    public static ConfigValue<V> Check<V>(this ConfigValue<V> read, Func<V, string?> check) =>
        (ConfigReader r, ConfigEntry e, out V value) =>
        {
            if (!read(r, e, out value))
            {
                return false;
            }
            if (check(value) is not { } problem)
            {
                return true;
            }
            r.Invalid(e, problem);
            return false;
        };

    /// <summary>
    /// A mapping of label names to values, each name checked (names starting with <c>__</c> only when
    /// <paramref name="allowReserved"/>); labels with empty values are dropped.
    /// </summary>
    public static ConfigValue<LabelSet> LabelMap(bool allowReserved) => (ConfigReader r, ConfigEntry e, out LabelSet value) =>
    {
        var labels = new List<Label>();
        foreach (var (name, text, item) in r.StringMap(e))
        {
            bool reserved = name.StartsWith("__", StringComparison.Ordinal);
            if (!LabelValidation.IsValidName(name) || (reserved && !allowReserved))
            {
                r.Error(item.KeyNode, $"\"{name}\" is not a valid label name in {e.Path}{(reserved ? " (names starting with __ are reserved)" : string.Empty)}");
                continue;
            }
            if (text.Length != 0)
            {
                labels.Add(new Label(name, text));
            }
        }
        value = LabelSet.From(labels);
        return true;
    };

    /// <summary>A reader for list items of scalars, reported as <c>expected WHAT at path</c> otherwise.</summary>
    public static ConfigItem<string> ScalarItem(string what) => (ConfigReader r, YamlNode node, string where, out string value) =>
        (value = r.ScalarItem(node, where, what)!) is not null;

    /// <summary>"a, b or c".</summary>
    public static string Alternatives(IReadOnlyList<string> names) =>
        names.Count <= 1 ? string.Concat(names) : string.Join(", ", names.Take(names.Count - 1)) + " or " + names[^1];

    private static bool Has<V>(V? read, out V value)
        where V : struct
    {
        value = read.GetValueOrDefault();
        return read.HasValue;
    }
}
