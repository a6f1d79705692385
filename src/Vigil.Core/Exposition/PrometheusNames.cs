using System.Globalization;
using System.Text;

namespace Vigil.Core.Exposition;

/// <summary>
/// Converts OpenTelemetry/.NET instrument names, units, tag keys and tag values to Prometheus names following
/// OpenTelemetry's "Prometheus and OpenMetrics compatibility" rules: invalid characters become <c>_</c> (runs collapsed),
/// the unit is appended as a word (<c>s</c> → <c>seconds</c>, <c>By</c> → <c>bytes</c>, <c>{thing}</c> annotations
/// dropped, <c>a/b</c> → <c>a_per_b</c>) unless the name already ends with it, counters get <c>_total</c> and unit-1
/// gauges <c>_ratio</c>.
/// </summary>
/// <remarks>
/// The one naming module of Vigil: the server's self-metrics, the .NET runtime collector and the SDK all name through
/// it, so an instrument exports under the same name wherever it is read. Stateless and thread-safe.
/// </remarks>
public static class PrometheusNames
{
    /// <summary>The Prometheus metric family name for an instrument.</summary>
    public static string FromInstrument(string instrumentName, string? unit, MetricType type)
    {
        string name = Sanitize(instrumentName, allowColon: true);
        string unitWord = string.IsNullOrEmpty(unit) ? string.Empty : UnitWord(unit);
        if (unitWord.Length != 0 && !EndsWithWord(name, unitWord))
        {
            name = name + "_" + unitWord;
        }
        if (type == MetricType.Counter && !EndsWithWord(name, "total"))
        {
            name += "_total";
        }
        if (type == MetricType.Gauge && unit == "1" && !EndsWithWord(name, "ratio"))
        {
            name += "_ratio";
        }
        return name;
    }

    /// <summary>A Prometheus metric name for a dotted name such as <c>application.queue_depth</c> (no unit or suffix added).</summary>
    public static string MetricName(string name) => Sanitize(name, allowColon: true);

    /// <summary>
    /// A Prometheus label name for a tag key: invalid characters become <c>_</c> (runs collapse, so it never starts with
    /// the reserved <c>__</c>); a leading digit gets a <c>key_</c> prefix; an empty key stays empty (callers drop it, as
    /// OpenTelemetry's translator does).
    /// </summary>
    public static string LabelName(string tagKey)
    {
        if (tagKey.Length > 0 && char.IsAsciiDigit(tagKey[0]))
        {
            return Sanitize("key_" + tagKey, allowColon: false);
        }
        return Sanitize(tagKey, allowColon: false);
    }

    /// <summary>A tag value as label text: strings as they are, numbers in invariant culture, booleans as <c>true</c>/<c>false</c>, null as empty.</summary>
    public static string TagValue(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>The unit as a Prometheus name word, or empty for dimensionless units and pure annotations.</summary>
    public static string UnitWord(string unit)
    {
        string u = RemoveAnnotations(unit).Trim();
        if (u.Length == 0)
        {
            return string.Empty;
        }
        int slash = u.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && slash < u.Length - 1)
        {
            string left = MapUnit(u[..slash]);
            string right = MapPerUnit(u[(slash + 1)..]);
            u = left.Length == 0 ? "per_" + right : left + "_per_" + right;
        }
        else
        {
            u = MapUnit(u);
        }
        return Sanitize(u, allowColon: false).Trim('_');
    }

    private static bool EndsWithWord(string name, string word)
        => name == word || name.EndsWith("_" + word, StringComparison.Ordinal);

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

    private static string RemoveAnnotations(string unit)
    {
        if (unit.IndexOf('{', StringComparison.Ordinal) < 0)
        {
            return unit;
        }
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
        return sb.ToString();
    }

    // Note: the unit maps are OpenTelemetry's (opentelemetry-collector-contrib, translator/prometheus); "min" after a
    // slash is accepted too, as the SDK always did.
    private static string MapUnit(string unit) => unit switch
    {
        "d" => "days",
        "h" => "hours",
        "min" => "minutes",
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "By" or "B" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "GiBy" => "gibibytes",
        "TiBy" => "tebibytes",
        "KBy" or "KB" => "kilobytes",
        "MBy" or "MB" => "megabytes",
        "GBy" or "GB" => "gigabytes",
        "TBy" or "TB" => "terabytes",
        "m" => "meters",
        "V" => "volts",
        "A" => "amperes",
        "J" => "joules",
        "W" => "watts",
        "g" => "grams",
        "Cel" => "celsius",
        "Hz" => "hertz",
        "1" => string.Empty,
        "%" => "percent",
        "$" => "dollars",
        _ => unit,
    };

    private static string MapPerUnit(string unit) => unit switch
    {
        "s" => "second",
        "m" or "min" => "minute",
        "h" => "hour",
        "d" => "day",
        "w" => "week",
        "mo" => "month",
        "y" => "year",
        _ => unit,
    };
}
