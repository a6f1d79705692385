using System.Text;

namespace Vigil.Collection.Otlp;

/// <summary>
/// Prometheus 3's rules for turning OTLP metric names, units and attribute keys into Prometheus names (its
/// <c>otlptranslator</c> package), for each <see cref="OtlpTranslationStrategy"/>.
/// </summary>
/// <remarks>
/// With suffixes, the unit becomes a suffix through a table of UCUM units (<c>s</c> → <c>seconds</c>, <c>By/s</c> →
/// <c>bytes_per_second</c>; a unit in braces such as <c>{request}</c> adds nothing), counters end in <c>_total</c> and
/// gauges of unit <c>1</c> in <c>_ratio</c>. Escaping splits the name at every character outside
/// <c>[a-zA-Z0-9:]</c> and joins the pieces with one <c>_</c>. Pure functions; thread-safe.
/// </remarks>
internal static class OtlpNames
{
    private static readonly Dictionary<string, string> Units = new(StringComparer.Ordinal)
    {
        ["d"] = "days", ["h"] = "hours", ["min"] = "minutes", ["s"] = "seconds", ["ms"] = "milliseconds", ["us"] = "microseconds", ["ns"] = "nanoseconds",
        ["By"] = "bytes", ["KiBy"] = "kibibytes", ["MiBy"] = "mebibytes", ["GiBy"] = "gibibytes", ["TiBy"] = "tibibytes",
        ["KBy"] = "kilobytes", ["MBy"] = "megabytes", ["GBy"] = "gigabytes", ["TBy"] = "terabytes",
        ["m"] = "meters", ["V"] = "volts", ["A"] = "amperes", ["J"] = "joules", ["W"] = "watts", ["g"] = "grams",
        ["Cel"] = "celsius", ["Hz"] = "hertz", ["1"] = string.Empty, ["%"] = "percent",
    };

    private static readonly Dictionary<string, string> PerUnits = new(StringComparer.Ordinal)
    {
        ["s"] = "second", ["m"] = "minute", ["h"] = "hour", ["d"] = "day", ["w"] = "week", ["mo"] = "month", ["y"] = "year",
    };

    /// <summary>
    /// The Prometheus family name of an OTLP metric (before <c>_bucket</c>/<c>_sum</c>/<c>_count</c>); null with
    /// <paramref name="error"/> when nothing usable is left (an empty name, or one made only of invalid characters).
    /// </summary>
    public static string? MetricName(string name, string unit, OtlpMetricKind kind, OtlpTranslationStrategy strategy, out string error)
    {
        error = string.Empty;
        string result = strategy switch
        {
            OtlpTranslationStrategy.UnderscoreEscapingWithSuffixes => EscapedWithSuffixes(name, unit, kind),
            OtlpTranslationStrategy.UnderscoreEscapingWithoutSuffixes => EscapedWithoutSuffixes(name),
            OtlpTranslationStrategy.NoUTF8EscapingWithSuffixes => name.Length == 0 ? string.Empty : Utf8WithSuffixes(name, unit, kind),
            _ => name,
        };
        if (result.Length == 0)
        {
            error = $"metric name \"{name}\" is empty after translation";
            return null;
        }
        if (strategy.Escapes() && result != name && OnlyUnderscores(result))
        {
            error = $"metric name \"{name}\" translates to \"{result}\", which has no letter or digit";
            return null;
        }
        return result;
    }

    /// <summary>The label name of an attribute key; null with <paramref name="error"/> when nothing usable is left.</summary>
    public static string? LabelName(string key, OtlpTranslationStrategy strategy, out string error)
    {
        error = string.Empty;
        if (key.Length == 0)
        {
            error = "an attribute has an empty key";
            return null;
        }
        if (!strategy.Escapes())
        {
            return key;
        }
        string result = SanitizeLabel(key);
        if (char.IsAsciiDigit(result[0]))
        {
            result = "key_" + result;
        }
        else if (result[0] == '_' && !result.StartsWith("__", StringComparison.Ordinal))
        {
            result = "key" + result;
        }
        if (result != key && OnlyUnderscores(result))
        {
            error = $"attribute \"{key}\" translates to label name \"{result}\", which has no letter or digit";
            return null;
        }
        return result;
    }

    /// <summary>The unit as Prometheus metadata shows it (<c>s</c> → <c>seconds</c>, <c>By/s</c> → <c>bytes_per_second</c>, <c>1</c> → empty).</summary>
    public static string UnitName(string unit, bool escape)
    {
        var (main, per) = UnitSuffixes(unit);
        if (escape)
        {
            main = CleanUnit(main);
            per = CleanUnit(per);
        }
        string u = main.Length != 0 && per.Length != 0 ? main + "_" + per : main.Length != 0 ? main : per;
        return u.Trim('_');
    }

    private static string EscapedWithSuffixes(string name, string unit, OtlpMetricKind kind)
    {
        var tokens = Tokens(name, underscoreIsValid: false);
        var (main, per) = UnitSuffixes(unit);
        main = CleanUnit(main);
        per = CleanUnit(per);
        if (tokens.Contains(main))
        {
            main = string.Empty;
        }
        if (per == "per_")
        {
            per = string.Empty;
        }
        else
        {
            per = TrimOne(per, '_');
            if (tokens.Contains(per))
            {
                per = string.Empty;
            }
        }
        if (per.Length != 0)
        {
            main = TrimOne(main, '_');
        }
        if (main.Length != 0)
        {
            tokens.Add(main);
        }
        if (per.Length != 0)
        {
            tokens.Add(per);
        }
        if (kind == OtlpMetricKind.Counter)
        {
            tokens.RemoveAll(static t => t == "total");
            tokens.Add("total");
        }
        if (unit == "1" && kind == OtlpMetricKind.Gauge)
        {
            tokens.RemoveAll(static t => t == "ratio");
            tokens.Add("ratio");
        }
        string joined = string.Join('_', tokens);
        return joined.Length != 0 && char.IsAsciiDigit(joined[0]) ? "_" + joined : joined;
    }

    private static string EscapedWithoutSuffixes(string name)
    {
        string joined = string.Join('_', Tokens(name, underscoreIsValid: true));
        return joined.Length != 0 && char.IsAsciiDigit(joined[0]) ? "_" + joined : joined;
    }

    private static string Utf8WithSuffixes(string name, string unit, OtlpMetricKind kind)
    {
        // Note: the suffixes are taken off and put back in a fixed order (unit, per-unit, _total or _ratio), so a name
        // that already ends in them is not doubled.
        string tail = string.Empty;
        if (unit == "1" && kind == OtlpMetricKind.Gauge)
        {
            name = TrimSuffixAndDelimiter(name, "ratio");
            tail = "_ratio";
        }
        if (kind == OtlpMetricKind.Counter)
        {
            name = TrimSuffixAndDelimiter(name, "total");
            tail = "_total" + tail;
        }
        var (main, per) = UnitSuffixes(unit);
        if (per.Length != 0)
        {
            name = TrimSuffixAndDelimiter(name, per);
            tail = "_" + per + tail;
        }
        if (main.Length != 0 && !name.EndsWith(main, StringComparison.Ordinal))
        {
            name = name + "_" + main;
        }
        return name + tail;
    }

    private static string TrimSuffixAndDelimiter(string name, string suffix)
        => name.EndsWith(suffix, StringComparison.Ordinal) && name.Length > suffix.Length + 1 ? name[..^(suffix.Length + 1)] : name;

    private static string TrimOne(string s, char c) => s.Length != 0 && s[^1] == c ? s[..^1] : s;

    /// <summary>The main and "per" parts of a UCUM unit as name suffixes, before escaping (<c>By/s</c> → (bytes, per_second)).</summary>
    private static (string Main, string Per) UnitSuffixes(string unit)
    {
        string main = string.Empty, per = string.Empty;
        int slash = unit.IndexOf('/', StringComparison.Ordinal);
        string mainPart = (slash < 0 ? unit : unit[..slash]).Trim();
        if (mainPart.Length != 0 && mainPart.IndexOfAny(['{', '}']) < 0)
        {
            main = Units.GetValueOrDefault(mainPart, mainPart);
        }
        if (slash >= 0 && slash + 1 < unit.Length)
        {
            string perPart = unit[(slash + 1)..].Trim();
            if (perPart.Length != 0 && perPart.IndexOfAny(['{', '}']) < 0)
            {
                per = PerUnits.GetValueOrDefault(perPart, perPart);
            }
            if (per.Length != 0)
            {
                per = "per_" + per;
            }
        }
        return (main, per);
    }

    /// <summary>Replaces characters outside <c>[a-zA-Z0-9:]</c> by <c>_</c>, collapses runs of <c>_</c> and drops a leading one.</summary>
    private static string CleanUnit(string unit)
    {
        if (unit.Length == 0)
        {
            return unit;
        }
        var sb = new StringBuilder(unit.Length);
        foreach (var rune in unit.EnumerateRunes())
        {
            char c = IsMetricChar(rune) ? (char)rune.Value : '_';
            if (c == '_' && sb.Length > 0 && sb[^1] == '_')
            {
                continue;
            }
            sb.Append(c);
        }
        return sb.Length > 0 && sb[0] == '_' ? sb.ToString(1, sb.Length - 1) : sb.ToString();
    }

    /// <summary>The pieces of <paramref name="name"/> between characters outside <c>[a-zA-Z0-9:]</c> (and <c>_</c> when <paramref name="underscoreIsValid"/>).</summary>
    private static List<string> Tokens(string name, bool underscoreIsValid)
    {
        var tokens = new List<string>();
        var sb = new StringBuilder();
        foreach (var rune in name.EnumerateRunes())
        {
            if (IsMetricChar(rune) || (underscoreIsValid && rune.Value == '_'))
            {
                sb.Append((char)rune.Value);
            }
            else if (sb.Length > 0)
            {
                tokens.Add(sb.ToString());
                sb.Clear();
            }
        }
        if (sb.Length > 0)
        {
            tokens.Add(sb.ToString());
        }
        return tokens;
    }

    private static bool IsMetricChar(Rune r) => r.Value < 128 && (char.IsAsciiLetterOrDigit((char)r.Value) || r.Value == ':');

    /// <summary>Every character outside <c>[a-zA-Z0-9_]</c> (a whole code point, even outside the BMP) becomes <c>_</c>.</summary>
    private static string SanitizeLabel(string key)
    {
        bool clean = true;
        foreach (char c in key)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                clean = false;
                break;
            }
        }
        if (clean)
        {
            return key;
        }
        var sb = new StringBuilder(key.Length);
        foreach (var rune in key.EnumerateRunes())
        {
            sb.Append(rune.Value < 128 && (char.IsAsciiLetterOrDigit((char)rune.Value) || rune.Value == '_') ? (char)rune.Value : '_');
        }
        return sb.ToString();
    }

    private static bool OnlyUnderscores(string s)
    {
        foreach (char c in s)
        {
            if (c != '_')
            {
                return false;
            }
        }
        return true;
    }
}
