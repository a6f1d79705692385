using System.Globalization;
using System.Text.RegularExpressions;
using Vigil.Core.Model;
using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Templates;

/// <summary>A template function: its arity and body. The body throws <see cref="TemplateFunctionException"/> on bad input.</summary>
internal sealed record TemplateFunction(int MinArgs, int MaxArgs, Func<object?[], object?> Body);

/// <summary>An error calling a template function, reported as Go does: <c>error calling NAME: MESSAGE</c>.</summary>
internal sealed class TemplateFunctionException(string message) : Exception(message);

/// <summary>The functions of Prometheus's alert templates (without <c>query</c>) and Go's template built-ins.</summary>
internal static class TemplateFunctions
{
    private static readonly string[] BigPrefixes = ["k", "M", "G", "T", "P", "E", "Z", "Y"];
    private static readonly string[] SmallPrefixes = ["m", "u", "n", "p", "f", "a", "z", "y"];
    private static readonly string[] BinaryPrefixes = ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"];

    public static IReadOnlyDictionary<string, TemplateFunction> All { get; } = new Dictionary<string, TemplateFunction>(StringComparer.Ordinal)
    {
        ["humanize"] = new(1, 1, a => Humanize(ToFloat(a[0]))),
        ["humanize1024"] = new(1, 1, a => Humanize1024(ToFloat(a[0]))),
        ["humanizeDuration"] = new(1, 1, a => HumanizeDuration(ToFloat(a[0]))),
        ["humanizePercentage"] = new(1, 1, a => GoFormat.FormatG(ToFloat(a[0]) * 100, 4) + "%"),
        ["humanizeTimestamp"] = new(1, 1, a => HumanizeTimestamp(ToFloat(a[0]))),
        ["printf"] = new(1, -1, a => GoFormat.Sprintf(a[0] as string ?? throw new TemplateFunctionException("wrong type for value; expected string; got " + GoFormat.TypeName(a[0])), a[1..])),
        ["print"] = new(0, -1, a => string.Concat(a.Select(GoFormat.Print))),
        ["println"] = new(0, -1, a => string.Join(' ', a.Select(GoFormat.Print)) + "\n"),
        ["toUpper"] = new(1, 1, a => Str(a[0]).ToUpperInvariant()),
        ["toLower"] = new(1, 1, a => Str(a[0]).ToLowerInvariant()),
        ["title"] = new(1, 1, a => Title(Str(a[0]))),
        ["match"] = new(2, 2, a => Regex(Str(a[0])).IsMatch(Str(a[1]))),
        ["reReplaceAll"] = new(3, 3, a => Regex(Str(a[0])).Replace(Str(a[2]), Str(a[1]))),
        ["stripPort"] = new(1, 1, a => StripPort(Str(a[0]))),
        ["stripDomain"] = new(1, 1, a => StripDomain(Str(a[0]))),
        ["parseDuration"] = new(1, 1, a => PrometheusDuration.TryParse(Str(a[0]), out var d, out string err) ? d.TotalSeconds : throw new TemplateFunctionException(err)),
        ["urlquery"] = new(1, -1, a => Uri.EscapeDataString(string.Concat(a.Select(GoFormat.Print))).Replace("%20", "+", StringComparison.Ordinal)),
        ["safeHtml"] = new(1, 1, a => Str(a[0])),
        ["toTime"] = new(1, 1, a => HumanizeTimestamp(ToFloat(a[0]))),
        ["len"] = new(1, 1, a => (long)Length(a[0])),
        ["index"] = new(1, -1, Index),
        ["not"] = new(1, 1, a => !TemplateExecutor.Truth(a[0])),
        ["and"] = new(1, -1, a => a.FirstOrDefault(v => !TemplateExecutor.Truth(v), a[^1])),
        ["or"] = new(1, -1, a => a.FirstOrDefault(TemplateExecutor.Truth, a[^1])),
        ["eq"] = new(2, -1, a => a.Skip(1).Any(b => Compare(a[0], b) == 0)),
        ["ne"] = new(2, 2, a => Compare(a[0], a[1]) != 0),
        ["lt"] = new(2, 2, a => Compare(a[0], a[1]) < 0),
        ["le"] = new(2, 2, a => Compare(a[0], a[1]) <= 0),
        ["gt"] = new(2, 2, a => Compare(a[0], a[1]) > 0),
        ["ge"] = new(2, 2, a => Compare(a[0], a[1]) >= 0),
    };

    /// <summary>Prometheus's conversion of a template argument to float64 (strings are parsed; other types are an error).</summary>
    public static double ToFloat(object? v) => v switch
    {
        double d => d,
        long l => l,
        int i => i,
        string s => GoText.TryParseGoFloat(s.Trim(), out double d) ? d
            : throw new TemplateFunctionException("strconv.ParseFloat: parsing " + GoText.Quote(s) + ": invalid syntax"),
        _ => throw new TemplateFunctionException("can't convert " + GoFormat.TypeName(v) + " to float"),
    };

    private static string Str(object? v) => v as string ?? GoFormat.Print(v);

    /// <summary>Metric prefixes: 1234567 → 1.235M, 0.0012 → 1.2m (four significant digits).</summary>
    public static string Humanize(double v)
    {
        if (v == 0 || double.IsNaN(v) || double.IsInfinity(v))
        {
            return GoFormat.FormatG(v, 4);
        }
        string prefix = string.Empty;
        if (Math.Abs(v) >= 1)
        {
            foreach (string p in BigPrefixes)
            {
                if (Math.Abs(v) < 1000)
                {
                    break;
                }
                prefix = p;
                v /= 1000;
            }
            return GoFormat.FormatG(v, 4) + prefix;
        }
        foreach (string p in SmallPrefixes)
        {
            if (Math.Abs(v) >= 1)
            {
                break;
            }
            prefix = p;
            v *= 1000;
        }
        return GoFormat.FormatG(v, 4) + prefix;
    }

    /// <summary>Binary prefixes: 2048 → 2ki.</summary>
    public static string Humanize1024(double v)
    {
        if (Math.Abs(v) <= 1 || double.IsNaN(v) || double.IsInfinity(v))
        {
            return GoFormat.FormatG(v, 4);
        }
        string prefix = string.Empty;
        foreach (string p in BinaryPrefixes)
        {
            if (Math.Abs(v) < 1024)
            {
                break;
            }
            prefix = p;
            v /= 1024;
        }
        return GoFormat.FormatG(v, 4) + prefix;
    }

    /// <summary>Seconds as <c>1d 2h 3m 4s</c>, or with sub-second prefixes (<c>1.5ms</c>).</summary>
    public static string HumanizeDuration(double v)
    {
        if (double.IsNaN(v) || double.IsInfinity(v))
        {
            return GoFormat.FormatG(v, 4);
        }
        if (v == 0)
        {
            return "0s";
        }
        if (Math.Abs(v) >= 1)
        {
            string sign = v < 0 ? "-" : string.Empty;
            v = Math.Abs(v);
            long whole = (long)v;
            long days = whole / 86400;
            long hours = whole / 3600 % 24;
            long minutes = whole / 60 % 60;
            long seconds = whole % 60;
            if (days != 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{sign}{days}d {hours}h {minutes}m {seconds}s");
            }
            if (hours != 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{sign}{hours}h {minutes}m {seconds}s");
            }
            if (minutes != 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{sign}{minutes}m {seconds}s");
            }
            return sign + GoFormat.FormatG(v, 4) + "s";
        }
        string prefix = string.Empty;
        foreach (string p in SmallPrefixes)
        {
            if (Math.Abs(v) >= 1)
            {
                break;
            }
            prefix = p;
            v *= 1000;
        }
        return GoFormat.FormatG(v, 4) + prefix + "s";
    }

    /// <summary>Unix seconds as Go prints a UTC time: <c>2024-01-02 03:04:05.5 +0000 UTC</c>.</summary>
    public static string HumanizeTimestamp(double v)
    {
        if (double.IsNaN(v) || double.IsInfinity(v))
        {
            return GoFormat.FormatG(v, 4);
        }
        var t = DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(v * TimeSpan.TicksPerSecond));
        string frac = (t.Ticks % TimeSpan.TicksPerSecond).ToString("0000000", CultureInfo.InvariantCulture).TrimEnd('0');
        return t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + (frac.Length > 0 ? "." + frac : string.Empty) + " +0000 UTC";
    }

    private static string Title(string s)
    {
        var chars = s.ToCharArray();
        bool start = true;
        for (int i = 0; i < chars.Length; i++)
        {
            if (char.IsLetter(chars[i]))
            {
                if (start)
                {
                    chars[i] = char.ToUpperInvariant(chars[i]);
                }
                start = false;
            }
            else
            {
                start = !char.IsDigit(chars[i]) && chars[i] != '_' && chars[i] != '\'';
            }
        }
        return new string(chars);
    }

    private static Regex Regex(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw new TemplateFunctionException("error parsing regexp: " + e.Message);
        }
    }

    private static string StripPort(string host)
    {
        if (host.StartsWith('['))
        {
            int close = host.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? host[1..close] : host;
        }
        int colon = host.LastIndexOf(':');
        return colon >= 0 && host.IndexOf(':', StringComparison.Ordinal) == colon ? host[..colon] : host;
    }

    private static string StripDomain(string host)
    {
        string port = string.Empty;
        int colon = host.LastIndexOf(':');
        if (colon >= 0 && host.IndexOf(':', StringComparison.Ordinal) == colon)
        {
            port = host[colon..];
            host = host[..colon];
        }
        if (System.Net.IPAddress.TryParse(host, out _))
        {
            return host + port;
        }
        int dot = host.IndexOf('.', StringComparison.Ordinal);
        return (dot >= 0 ? host[..dot] : host) + port;
    }

    private static int Length(object? v) => v switch
    {
        string s => s.Length,
        IReadOnlyDictionary<string, string> m => m.Count,
        System.Collections.ICollection c => c.Count,
        _ => throw new TemplateFunctionException("len of type " + GoFormat.TypeName(v)),
    };

    private static object? Index(object?[] a)
    {
        object? v = a[0];
        for (int i = 1; i < a.Length; i++)
        {
            v = v switch
            {
                IReadOnlyDictionary<string, string> m => m.TryGetValue(Str(a[i]), out string? s) ? s : string.Empty,
                System.Collections.IList list when a[i] is long n && n >= 0 && n < list.Count => list[(int)n],
                System.Collections.IList => throw new TemplateFunctionException("error calling index: index out of range: " + GoFormat.Print(a[i])),
                _ => throw new TemplateFunctionException("can't index item of type " + GoFormat.TypeName(v)),
            };
        }
        return v;
    }

    private static int Compare(object? a, object? b)
    {
        if (a is double or long or int && b is double or long or int)
        {
            return Convert.ToDouble(a, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(b, CultureInfo.InvariantCulture));
        }
        if (a is string sa && b is string sb)
        {
            return string.CompareOrdinal(sa, sb);
        }
        if (a is bool ba && b is bool bb)
        {
            return ba == bb ? 0 : throw new TemplateFunctionException("invalid type for comparison");
        }
        if (a is null && b is null)
        {
            return 0;
        }
        throw new TemplateFunctionException("incompatible types for comparison");
    }
}
