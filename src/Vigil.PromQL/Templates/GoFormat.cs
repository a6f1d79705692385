using System.Collections;
using System.Globalization;
using System.Text;
using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Templates;

/// <summary>Go's <c>fmt</c> formatting for template output: <c>%v</c> printing and a <c>printf</c> with the common verbs.</summary>
internal static class GoFormat
{
    /// <summary>Go's <c>%v</c> of a template value.</summary>
    public static string Print(object? value) => value switch
    {
        null => "<nil>",
        string s => s,
        double d => GoText.FormatFloatG(d),
        float f => GoText.FormatFloatG(f),
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        IReadOnlyDictionary<string, string> map => PrintMap(map),
        IList list => PrintList(list),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    private static string PrintMap(IReadOnlyDictionary<string, string> map)
    {
        var sb = new StringBuilder("map[");
        bool first = true;
        foreach (var key in map.Keys.Order(StringComparer.Ordinal))
        {
            if (!first)
            {
                sb.Append(' ');
            }
            first = false;
            sb.Append(key).Append(':').Append(map[key]);
        }
        return sb.Append(']').ToString();
    }

    private static string PrintList(IList list)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < list.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }
            sb.Append(Print(list[i]));
        }
        return sb.Append(']').ToString();
    }

    /// <summary>Go's <c>%.{precision}g</c>: shortest of fixed and exponent form, trailing zeros removed.</summary>
    public static string FormatG(double v, int precision)
    {
        if (double.IsNaN(v))
        {
            return "NaN";
        }
        if (double.IsInfinity(v))
        {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (precision < 0)
        {
            return GoText.FormatFloatG(v);
        }
        if (precision == 0)
        {
            precision = 1;
        }
        if (v == 0)
        {
            return double.IsNegative(v) ? "-0" : "0";
        }
        string e = v.ToString("E" + (precision - 1).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        int ePos = e.IndexOf('E', StringComparison.Ordinal);
        int exp = int.Parse(e.AsSpan(ePos + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        if (exp < -4 || exp >= precision)
        {
            string mant = TrimZeros(e[..ePos]);
            return mant + "e" + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
        }
        string f = v.ToString("F" + Math.Max(precision - 1 - exp, 0).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return TrimZeros(f);
    }

    private static string TrimZeros(string s)
    {
        if (!s.Contains('.', StringComparison.Ordinal))
        {
            return s;
        }
        s = s.TrimEnd('0');
        return s.EndsWith('.') ? s[..^1] : s;
    }

    /// <summary>Go's <c>fmt.Sprintf</c> for the verbs templates use: <c>%v %s %q %d %f %F %e %E %g %G %x %X %t %%</c> with flags, width and precision.</summary>
    public static string Sprintf(string format, IReadOnlyList<object?> args)
    {
        var sb = new StringBuilder();
        int argIndex = 0;
        int i = 0;
        while (i < format.Length)
        {
            char c = format[i];
            if (c != '%')
            {
                sb.Append(c);
                i++;
                continue;
            }
            i++;
            if (i >= format.Length)
            {
                sb.Append("%!(NOVERB)");
                break;
            }
            bool minus = false, plus = false, zero = false, space = false, sharp = false;
            while (i < format.Length && format[i] is '-' or '+' or '0' or ' ' or '#')
            {
                switch (format[i])
                {
                    case '-': minus = true; break;
                    case '+': plus = true; break;
                    case '0': zero = true; break;
                    case ' ': space = true; break;
                    default: sharp = true; break;
                }
                i++;
            }
            int width = -1;
            int ws = i;
            while (i < format.Length && char.IsAsciiDigit(format[i]))
            {
                i++;
            }
            if (i > ws)
            {
                width = int.Parse(format.AsSpan(ws, i - ws), NumberStyles.None, CultureInfo.InvariantCulture);
            }
            int precision = -1;
            if (i < format.Length && format[i] == '.')
            {
                i++;
                int ps = i;
                while (i < format.Length && char.IsAsciiDigit(format[i]))
                {
                    i++;
                }
                precision = i > ps ? int.Parse(format.AsSpan(ps, i - ps), NumberStyles.None, CultureInfo.InvariantCulture) : 0;
            }
            if (i >= format.Length)
            {
                sb.Append("%!(NOVERB)");
                break;
            }
            char verb = format[i++];
            if (verb == '%')
            {
                sb.Append('%');
                continue;
            }
            if (argIndex >= args.Count)
            {
                sb.Append("%!").Append(verb).Append("(MISSING)");
                continue;
            }
            object? arg = args[argIndex++];
            string body = FormatOne(verb, arg, precision, plus, space, sharp);
            if (width > body.Length)
            {
                if (minus)
                {
                    body = body.PadRight(width);
                }
                else if (zero && verb is not ('s' or 'q' or 'v' or 't') && arg is double or long or int)
                {
                    bool neg = body.StartsWith('-') || body.StartsWith('+');
                    body = neg ? body[0] + body[1..].PadLeft(width - 1, '0') : body.PadLeft(width, '0');
                }
                else
                {
                    body = body.PadLeft(width);
                }
            }
            sb.Append(body);
        }
        if (argIndex < args.Count)
        {
            sb.Append("%!(EXTRA ");
            for (int k = argIndex; k < args.Count; k++)
            {
                if (k > argIndex)
                {
                    sb.Append(", ");
                }
                sb.Append(TypeName(args[k])).Append('=').Append(Print(args[k]));
            }
            sb.Append(')');
        }
        return sb.ToString();
    }

    /// <summary>The Go type name of a template value, for error texts.</summary>
    public static string TypeName(object? v) => v switch
    {
        null => "<nil>",
        string => "string",
        double => "float64",
        long or int => "int",
        bool => "bool",
        IReadOnlyDictionary<string, string> => "map[string]string",
        _ => v.GetType().Name,
    };

    private static string FormatOne(char verb, object? arg, int precision, bool plus, bool space, bool sharp)
    {
        string Bad() => "%!" + verb + "(" + TypeName(arg) + "=" + Print(arg) + ")";
        string Sign(string s, bool negative) => negative ? s : plus ? "+" + s : space ? " " + s : s;
        switch (verb)
        {
            case 'v':
                if (arg is double dv)
                {
                    return Sign(precision >= 0 ? FormatG(dv, precision) : GoText.FormatFloatG(dv), dv < 0 || double.IsNaN(dv) || double.IsNegativeInfinity(dv));
                }
                return Print(arg);
            case 's':
                if (arg is double or long or int or bool)
                {
                    return Bad();
                }
                string s = Print(arg);
                return precision >= 0 && precision < s.Length ? s[..precision] : s;
            case 'q':
                return arg is string qs ? (sharp && !qs.Contains('`', StringComparison.Ordinal) ? "`" + qs + "`" : GoText.Quote(qs)) : Bad();
            case 't':
                return arg is bool b ? (b ? "true" : "false") : Bad();
            case 'd':
                return arg switch
                {
                    long l => Sign(l.ToString(CultureInfo.InvariantCulture), l < 0),
                    int n => Sign(n.ToString(CultureInfo.InvariantCulture), n < 0),
                    _ => Bad(),
                };
            case 'x':
            case 'X':
                string hex = arg switch
                {
                    long l => l.ToString(verb == 'x' ? "x" : "X", CultureInfo.InvariantCulture),
                    int n => n.ToString(verb == 'x' ? "x" : "X", CultureInfo.InvariantCulture),
                    string str => Convert.ToHexString(Encoding.UTF8.GetBytes(str)),
                    _ => string.Empty,
                };
                if (hex.Length == 0)
                {
                    return Bad();
                }
                return verb == 'x' ? hex.ToLowerInvariant() : hex;
            case 'f':
            case 'F':
            case 'e':
            case 'E':
            case 'g':
            case 'G':
                double d;
                switch (arg)
                {
                    case double dd: d = dd; break;
                    case long ll: return Bad();
                    default: return Bad();
                }
                return Sign(FormatFloatVerb(verb, d, precision), d < 0 || double.IsNegativeInfinity(d) || (d == 0 && double.IsNegative(d)));
            default:
                return "%!" + verb + "(" + TypeName(arg) + "=" + Print(arg) + ")";
        }
    }

    private static string FormatFloatVerb(char verb, double d, int precision)
    {
        if (double.IsNaN(d))
        {
            return "NaN";
        }
        if (double.IsInfinity(d))
        {
            return d > 0 ? "+Inf" : "-Inf";
        }
        switch (verb)
        {
            case 'f':
            case 'F':
                return d.ToString("F" + (precision < 0 ? 6 : precision).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            case 'e':
            case 'E':
                string e = d.ToString((verb == 'e' ? "e" : "E") + (precision < 0 ? 6 : precision).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
                // .NET writes a three-digit exponent; Go writes at least two digits.
                int pos = e.IndexOfAny(['e', 'E']);
                int exp = int.Parse(e.AsSpan(pos + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                return e[..(pos + 1)] + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
            default:
                string g = FormatG(d, precision);
                return verb == 'G' ? g.ToUpperInvariant() : g;
        }
    }
}
