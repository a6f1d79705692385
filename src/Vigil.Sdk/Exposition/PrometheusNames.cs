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

    /// <summary>
    /// The Prometheus family name of an instrument, following OpenTelemetry's conversion: invalid characters become
    /// <c>_</c>, the unit is appended as a word (<c>s</c> → <c>seconds</c>, <c>By</c> → <c>bytes</c>, <c>a/b</c> →
    /// <c>a_per_b</c>, <c>{annotations}</c> and <c>1</c> dropped) unless the name already ends with it, counters get
    /// <c>_total</c> and unit-1 gauges <c>_ratio</c>.
    /// </summary>
    public static string FromInstrument(string instrumentName, string? unit, Vigil.Core.Exposition.MetricType type)
    {
        string name = Sanitize(instrumentName, allowColon: true);
        string word = string.IsNullOrEmpty(unit) ? string.Empty : UnitWord(unit);
        if (word.Length != 0 && !EndsWithWord(name, word))
        {
            name = name + "_" + word;
        }
        if (type == Vigil.Core.Exposition.MetricType.Counter && !EndsWithWord(name, "total"))
        {
            name += "_total";
        }
        if (type == Vigil.Core.Exposition.MetricType.Gauge && unit == "1" && !EndsWithWord(name, "ratio"))
        {
            name += "_ratio";
        }
        return name;
    }

    /// <summary>The unit as a Prometheus name word, or empty for dimensionless units and pure annotations.</summary>
    public static string UnitWord(string unit)
    {
        var sb = new StringBuilder(unit.Length);
        int depth = 0;
        foreach (char c in unit)
        {
            if (c == '{')
            {
                depth++;
            }
            else if (c == '}' && depth > 0)
            {
                depth--;
            }
            else if (depth == 0)
            {
                sb.Append(c);
            }
        }
        string u = sb.ToString().Trim();
        if (u.Length == 0)
        {
            return string.Empty;
        }
        int slash = u.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && slash < u.Length - 1)
        {
            string left = UnitName(u[..slash]);
            string right = PerUnitName(u[(slash + 1)..]);
            u = left.Length == 0 ? "per_" + right : left + "_per_" + right;
        }
        else
        {
            u = UnitName(u);
        }
        return Sanitize(u, allowColon: false).Trim('_');
    }

    /// <summary>A Prometheus metric name for a dotted name such as <c>application.queue_depth</c>.</summary>
    public static string MetricName(string name) => Sanitize(name, allowColon: true);

    private static bool EndsWithWord(string name, string word)
        => name == word || name.EndsWith("_" + word, StringComparison.Ordinal);

    private static string UnitName(string unit) => unit switch
    {
        "d" => "days",
        "h" => "hours",
        "min" => "minutes",
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "By" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "GiBy" => "gibibytes",
        "KBy" => "kilobytes",
        "MBy" => "megabytes",
        "GBy" => "gigabytes",
        "1" => string.Empty,
        "%" => "percent",
        "Cel" => "celsius",
        "Hz" => "hertz",
        "V" => "volts",
        "W" => "watts",
        "J" => "joules",
        "m" => "meters",
        _ => unit,
    };

    private static string PerUnitName(string unit) => unit switch
    {
        "s" => "second",
        "min" or "m" => "minute",
        "h" => "hour",
        "d" => "day",
        _ => unit,
    };

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
