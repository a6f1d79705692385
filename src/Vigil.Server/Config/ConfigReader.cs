using System.Globalization;
using Vigil.Core.Config;
using Vigil.Core.Model;
using Vigil.Rules.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vigil.Server.Config;

/// <summary>
/// Reads typed values out of a YAML node tree strictly, collecting every problem as a <see cref="ConfigError"/> naming
/// file, line, column and the key's place in the document (<c>scrape_configs[0].tls_config</c>).
/// </summary>
/// <remarks>
/// Section schemas (<see cref="Binding.ConfigSchema{T}"/>) call <see cref="Mapping"/> and send undeclared keys to <see cref="UnknownKey"/>;
/// the typed readers return null (and record an error) when a value is malformed, so one pass reports every problem.
/// Merge keys (<c>&lt;&lt;: *anchor</c>) are resolved as in YAML 1.1; explicit keys win. Not thread-safe.
/// </remarks>
internal sealed class ConfigReader(string fileName, string baseDirectory)
{
    private const string MergeKey = "<<";

    public string FileName { get; } = fileName;

    /// <summary>The directory relative file paths in the configuration are resolved against.</summary>
    public string BaseDirectory { get; } = baseDirectory;

    public List<ConfigError> Errors { get; } = new();

    /// <summary>Records a problem at <paramref name="at"/>.</summary>
    public void Error(YamlNode at, string message) => Error(at.Start, message);

    /// <summary>Records a problem at <paramref name="at"/>.</summary>
    public void Error(Mark at, string message) => Errors.Add(new ConfigError(FileName, (int)at.Line, (int)at.Column, message));

    /// <summary>True for an explicit or implicit YAML null (<c>~</c>, <c>null</c>, an empty value).</summary>
    public static bool IsNull(YamlNode node) => YamlNodes.IsNull(node);

    /// <summary>Appends a key to a document path: <c>scrape_configs[0]</c> + <c>tls_config</c>.</summary>
    public static string Path(string where, string key) => where.Length == 0 ? key : where + "." + key;

    /// <summary>Appends a sequence index to a document path.</summary>
    public static string Path(string where, int index) => where + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    private static string In(string where) => where.Length == 0 ? string.Empty : " in " + where;

    /// <summary>The entries of a mapping (none for null); records an error when <paramref name="node"/> is not a mapping.</summary>
    public List<ConfigEntry> Mapping(YamlNode node, string where)
    {
        var result = new List<ConfigEntry>();
        if (IsNull(node))
        {
            return result;
        }
        if (node is not YamlMappingNode map)
        {
            Error(node, $"expected a mapping (key: value){In(where)}, got {Describe(node)}");
            return result;
        }
        var explicitKeys = new HashSet<string>(StringComparer.Ordinal);
        List<YamlNode>? merges = null;
        foreach (var (keyNode, value) in map.Children)
        {
            if (keyNode is not YamlScalarNode { Value: not null } key)
            {
                Error(keyNode, $"expected a plain key{In(where)}, got {Describe(keyNode)}");
                continue;
            }
            if (key.Value == MergeKey && key.Style is ScalarStyle.Plain)
            {
                (merges ??= new()).Add(value);
                continue;
            }
            explicitKeys.Add(key.Value);
            result.Add(new ConfigEntry(key.Value, key, value, where));
        }
        if (merges is not null)
        {
            var merged = new List<ConfigEntry>();
            foreach (var source in merges)
            {
                var sources = source is YamlSequenceNode seq ? seq.Children : (IList<YamlNode>)[source];
                foreach (var s in sources)
                {
                    if (s is not YamlMappingNode)
                    {
                        Error(s, $"a merge key (<<) needs a mapping or a list of mappings{In(where)}, got {Describe(s)}");
                        continue;
                    }
                    foreach (var e in Mapping(s, where))
                    {
                        if (explicitKeys.Add(e.Key))
                        {
                            merged.Add(e);
                        }
                    }
                }
            }
            result.InsertRange(0, merged);
        }
        return result;
    }

    /// <summary>The items of a sequence with their document paths (none for null); records an error for a non-sequence.</summary>
    public List<(YamlNode Node, string Where)> Sequence(ConfigEntry e) => Sequence(e.Value, e.Path);

    /// <summary>The items of a sequence with their document paths (none for null); records an error for a non-sequence.</summary>
    public List<(YamlNode Node, string Where)> Sequence(YamlNode node, string where)
    {
        var result = new List<(YamlNode, string)>();
        if (IsNull(node))
        {
            return result;
        }
        if (node is not YamlSequenceNode seq)
        {
            Error(node, $"expected a list for {Describe(where)}, got {Describe(node)}");
            return result;
        }
        for (int i = 0; i < seq.Children.Count; i++)
        {
            result.Add((seq.Children[i], Path(where, i)));
        }
        return result;
    }

    public void UnknownKey(ConfigEntry e) => Error(e.KeyNode, $"unknown key \"{e.Key}\"{In(e.Where)}");

    /// <summary>Records that a Prometheus setting is recognised but not implemented by Vigil.</summary>
    public void Unsupported(ConfigEntry e) => Error(e.KeyNode, $"key \"{e.Key}\"{In(e.Where)} is a Prometheus setting that Vigil does not support");

    /// <summary>Records a bad value of <paramref name="e"/>: <c>invalid "key" in where: detail</c>.</summary>
    public void Invalid(ConfigEntry e, string detail) => Error(e.Value, $"invalid \"{e.Key}\"{In(e.Where)}: {detail}");

    /// <summary>Records a bad value at <paramref name="at"/> that belongs to <paramref name="e"/>.</summary>
    public void Invalid(ConfigEntry e, YamlNode at, string detail) => Error(at, $"invalid \"{e.Key}\"{In(e.Where)}: {detail}");

    /// <summary>A scalar as a string; null (and no error) for a YAML null.</summary>
    public string? String(ConfigEntry e)
    {
        if (IsNull(e.Value))
        {
            return null;
        }
        if (e.Value is YamlScalarNode s)
        {
            return s.Value ?? string.Empty;
        }
        Invalid(e, $"expected a string, got {Describe(e.Value)}");
        return null;
    }

    /// <summary>A scalar as a string, or an error naming <paramref name="what"/> for a missing or non-scalar value.</summary>
    public string? ScalarItem(YamlNode node, string where, string what)
    {
        if (node is YamlScalarNode s && !IsNull(node))
        {
            return s.Value ?? string.Empty;
        }
        Error(node, $"expected {what} at {where}, got {Describe(node)}");
        return null;
    }

    /// <summary>true or false (YAML 1.2 spellings).</summary>
    public bool? Bool(ConfigEntry e)
    {
        string? s = String(e);
        switch (s)
        {
            case null:
                return null;
            case "true" or "True" or "TRUE":
                return true;
            case "false" or "False" or "FALSE":
                return false;
            default:
                Invalid(e, $"expected true or false, got \"{s}\"");
                return null;
        }
    }

    /// <summary>A non-negative integer.</summary>
    public long? NonNegativeInteger(ConfigEntry e)
    {
        string? s = String(e);
        if (s is null)
        {
            return null;
        }
        if (long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long v))
        {
            return v;
        }
        Invalid(e, $"expected a non-negative integer, got \"{s}\"");
        return null;
    }

    /// <summary>A Prometheus duration (<c>15s</c>, <c>1m30s</c>).</summary>
    public TimeSpan? Duration(ConfigEntry e)
    {
        string? s = String(e);
        if (s is null)
        {
            return null;
        }
        if (PrometheusDuration.TryParse(s, out var d, out string error))
        {
            return d;
        }
        Invalid(e, error);
        return null;
    }

    /// <summary>A Prometheus duration greater than zero.</summary>
    public TimeSpan? PositiveDuration(ConfigEntry e)
    {
        var d = Duration(e);
        if (d == TimeSpan.Zero)
        {
            Invalid(e, "must be greater than 0s");
            return null;
        }
        return d;
    }

    /// <summary>The seed's <c>optimization_timeout: 300</c> (whole seconds) or a duration (<c>5m</c>), greater than zero.</summary>
    public TimeSpan? SecondsOrDuration(ConfigEntry e)
    {
        string? s = String(e);
        if (s is null)
        {
            return null;
        }
        if (long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds))
        {
            if (seconds == 0)
            {
                Invalid(e, "must be greater than 0");
                return null;
            }
            return TimeSpan.FromSeconds(seconds);
        }
        return PositiveDuration(e);
    }

    /// <summary>An integer from 1 to <see cref="int.MaxValue"/>.</summary>
    public int? PositiveInt(ConfigEntry e)
    {
        long? v = NonNegativeInteger(e);
        if (v is null)
        {
            return null;
        }
        if (v == 0 || v > int.MaxValue)
        {
            Invalid(e, "must be a positive integer");
            return null;
        }
        return (int)v;
    }

    /// <summary>A finite number from <paramref name="min"/> to <paramref name="max"/> (both inclusive).</summary>
    public double? Number(ConfigEntry e, double min, double max)
    {
        string? s = String(e);
        if (s is null)
        {
            return null;
        }
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
        {
            Invalid(e, $"expected a number, got \"{s}\"");
            return null;
        }
        if (v < min || v > max)
        {
            Invalid(e, string.Create(CultureInfo.InvariantCulture, $"must be between {min} and {max}, got {s}"));
            return null;
        }
        return v;
    }

    /// <summary>A byte size (<c>10MB</c>, powers of 1024; <c>0</c> for none).</summary>
    public long? Bytes(ConfigEntry e)
    {
        string? s = String(e);
        if (s is null)
        {
            return null;
        }
        if (ByteSize.TryParse(s, out long bytes, out string error))
        {
            return bytes;
        }
        Invalid(e, error);
        return null;
    }

    /// <summary>A list of strings (a single scalar is an error, as in Prometheus).</summary>
    public List<string> StringList(ConfigEntry e)
    {
        var result = new List<string>();
        foreach (var (node, where) in Sequence(e))
        {
            if (ScalarItem(node, where, "a string") is { } s)
            {
                result.Add(s);
            }
        }
        return result;
    }

    /// <summary>A mapping of strings to strings, in document order.</summary>
    public List<(string Key, string Value, ConfigEntry Entry)> StringMap(ConfigEntry e)
    {
        var result = new List<(string, string, ConfigEntry)>();
        foreach (var item in Mapping(e.Value, e.Path))
        {
            string? v = IsNull(item.Value) ? string.Empty : String(item);
            if (v is not null)
            {
                result.Add((item.Key, v, item));
            }
        }
        return result;
    }

    /// <summary>A file path resolved against <see cref="BaseDirectory"/>; records an error when the file does not exist.</summary>
    public string? ExistingFile(ConfigEntry e)
    {
        string? s = String(e);
        if (string.IsNullOrEmpty(s))
        {
            return null;
        }
        string full = ResolvePath(s);
        if (!File.Exists(full))
        {
            Invalid(e, $"file \"{full}\" does not exist");
            return null;
        }
        return full;
    }

    /// <summary>Resolves a path from the file against <see cref="BaseDirectory"/>.</summary>
    public string ResolvePath(string path) => System.IO.Path.GetFullPath(path, BaseDirectory);

    private static string Describe(string where) => where.Length == 0 ? "the document" : where;

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s when IsNull(s) => "nothing (null)",
        YamlScalarNode s => $"\"{s.Value}\"",
        _ => "an unsupported node",
    };
}
