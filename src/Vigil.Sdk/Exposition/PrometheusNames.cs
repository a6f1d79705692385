using System.Globalization;
using System.Text;

namespace Vigil.Sdk.Exposition;

/// <summary>Turns tag keys, tag values and collector names into Prometheus label names, label values and metric names.</summary>
internal static class PrometheusNames
{
    /// <summary>Label names the SDK writes itself; a user tag with one of these names is exported as <c>tag_&lt;name&gt;</c>.</summary>
    private static readonly HashSet<string> s_reserved = new(StringComparer.Ordinal)
    {
        "tool", "outcome", "le", "error_type", "counter", "generation", "quantile", "collector",
    };

    /// <summary>A Prometheus label name for a tag key: invalid characters become <c>_</c> (runs collapse, so it never starts with the reserved <c>__</c>), a leading digit gets a <c>key_</c> prefix.</summary>
    public static string TagLabelName(string key)
    {
        string name = string.IsNullOrEmpty(key) ? "key_" : char.IsAsciiDigit(key[0]) ? Sanitize("key_" + key, allowColon: false) : Sanitize(key, allowColon: false);
        return s_reserved.Contains(name) ? "tag_" + name : name;
    }

    /// <summary>A tag value as text: strings as they are, numbers in invariant culture, booleans as <c>true</c>/<c>false</c>.</summary>
    public static string TagValue(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>A Prometheus metric name for a dotted name such as <c>application.queue_depth</c>.</summary>
    public static string MetricName(string name) => Sanitize(name, allowColon: true);

    private static string Sanitize(string s, bool allowColon)
    {
        var sb = new StringBuilder(s.Length + 1);
        bool lastUnderscore = false;
        foreach (char c in s)
        {
            if (char.IsAsciiLetter(c) || (allowColon && c == ':') || (char.IsAsciiDigit(c) && sb.Length > 0))
            {
                sb.Append(c);
                lastUnderscore = false;
            }
            else if (char.IsAsciiDigit(c))
            {
                sb.Append('_').Append(c);
                lastUnderscore = false;
            }
            else if (!lastUnderscore)
            {
                // Note: '_' itself lands here too, so runs of separators collapse to one underscore.
                sb.Append('_');
                lastUnderscore = true;
            }
        }
        return sb.ToString();
    }
}
