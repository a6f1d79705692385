using System.Globalization;
using Vigil.Core.Model;
using Vigil.PromQL.Parser;
using Vigil.Rules.Yaml;
using YamlDotNet.RepresentationModel;

namespace Vigil.Rules.Testing;

/// <summary>Typed, strict reads from a YAML node tree; every problem is a <see cref="FormatException"/> naming file:line:col.</summary>
internal sealed class StrictYaml(string file)
{
    private FormatException Error(YamlNode node, string message)
        => new(string.Create(CultureInfo.InvariantCulture, $"{file}:{node.Start.Line}:{node.Start.Column}: {message}"));

    public static bool IsNull(YamlNode node) => YamlNodes.IsNull(node);

    /// <summary>The entries of a mapping; a key not in <paramref name="allowed"/> is an error.</summary>
    public IEnumerable<(string Key, YamlNode Value)> Map(YamlNode node, params string[] allowed)
    {
        if (IsNull(node))
        {
            yield break;
        }
        if (node is not YamlMappingNode map)
        {
            throw Error(node, "expected a mapping");
        }
        foreach (var (k, v) in map.Children)
        {
            string key = (k as YamlScalarNode)?.Value ?? string.Empty;
            if (Array.IndexOf(allowed, key) < 0)
            {
                throw Error(k, $"field {key} not found (expected one of: {string.Join(", ", allowed)})");
            }
            yield return (key, v);
        }
    }

    public IEnumerable<YamlNode> List(YamlNode node)
    {
        if (IsNull(node))
        {
            return [];
        }
        return node is YamlSequenceNode seq ? seq.Children : throw Error(node, "expected a list");
    }

    public string String(YamlNode node)
    {
        if (IsNull(node))
        {
            return string.Empty;
        }
        return node is YamlScalarNode s ? s.Value ?? string.Empty : throw Error(node, "expected a single value");
    }

    public List<string> Strings(YamlNode node) => [.. List(node).Select(String)];

    public TimeSpan Duration(YamlNode node)
    {
        string s = String(node);
        if (s.Length == 0)
        {
            return TimeSpan.Zero;
        }
        return PrometheusDuration.TryParse(s, out var d, out string error) ? d : throw Error(node, error);
    }

    public double Float(YamlNode node)
    {
        string s = String(node);
        switch (s)
        {
            case ".nan" or ".NaN" or ".NAN":
                return double.NaN;
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF":
                return double.PositiveInfinity;
            case "-.inf" or "-.Inf" or "-.INF":
                return double.NegativeInfinity;
        }
        return GoText.TryParseGoFloat(s, out double v) ? v : throw Error(node, "cannot unmarshal " + GoText.Quote(s) + " into a float");
    }

    public Dictionary<string, string> StringMap(YamlNode node)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (IsNull(node))
        {
            return result;
        }
        if (node is not YamlMappingNode map)
        {
            throw Error(node, "expected a mapping of names to values");
        }
        foreach (var (k, v) in map.Children)
        {
            result[String(k)] = String(v);
        }
        return result;
    }
}
