using System.Globalization;
using System.Text;
using Vigil.Core.Model;

namespace Vigil.PromQL.Parser;

/// <summary>
/// Go-compatible text helpers that PromQL's wire formats depend on: quoting and unquoting string literals
/// (<c>strconv.Quote</c>/<c>Unquote</c>), number parsing (<c>ParseInt(s, 0, 64)</c> then <c>ParseFloat</c>) and float
/// formatting (<c>'f'</c> and <c>%g</c> with the shortest round-trip digits).
/// </summary>
/// <remarks>
/// Go strings are byte strings and may hold invalid UTF-8 (e.g. <c>"\xff"</c>). .NET strings cannot, so each byte of
/// an invalid UTF-8 sequence is carried as a lone low surrogate U+DC80..U+DCFF ("surrogate escape"). Such strings
/// fail <see cref="Vigil.Core.Labels.LabelValidation.IsValidUtf8(string)"/> and <see cref="Quote"/> prints them back
/// as <c>\xNN</c>, exactly as Go does.
/// </remarks>
public static class GoText
{
    /// <summary>Returns the Go <c>strconv.Quote</c> form of <paramref name="s"/>.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        AppendQuoted(sb, s);
        return sb.ToString();
    }

    /// <summary>Appends the Go <c>strconv.Quote</c> form of <paramref name="s"/>.</summary>
    public static void AppendQuoted(StringBuilder sb, string s)
    {
        sb.Append('"');
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                int cp = char.ConvertToUtf32(c, s[i + 1]);
                if (IsPrint(cp))
                {
                    sb.Append(c).Append(s[i + 1]);
                }
                else
                {
                    sb.Append("\\U").Append(cp.ToString("x8", CultureInfo.InvariantCulture));
                }
                i++;
                continue;
            }
            if (c >= 0xDC80 && c <= 0xDCFF)
            {
                sb.Append("\\x").Append((c - 0xDC00).ToString("x2", CultureInfo.InvariantCulture));
                continue;
            }
            if (char.IsSurrogate(c))
            {
                sb.Append("\\ufffd");
                continue;
            }
            switch (c)
            {
                case '"': sb.Append("\\\""); continue;
                case '\\': sb.Append("\\\\"); continue;
                case '\a': sb.Append("\\a"); continue;
                case '\b': sb.Append("\\b"); continue;
                case '\f': sb.Append("\\f"); continue;
                case '\n': sb.Append("\\n"); continue;
                case '\r': sb.Append("\\r"); continue;
                case '\t': sb.Append("\\t"); continue;
                case '\v': sb.Append("\\v"); continue;
            }
            if (IsPrint(c))
            {
                sb.Append(c);
            }
            else if (c < 0x20 || c == 0x7f)
            {
                sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }
        sb.Append('"');
    }

    private static bool IsPrint(int cp)
    {
        if (cp == ' ')
        {
            return true;
        }
        if (cp < 0x20 || cp == 0x7f)
        {
            return false;
        }
        var cat = CharUnicodeInfo.GetUnicodeCategory(cp);
        return cat switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator => false,
            _ => true,
        };
    }

    /// <summary>
    /// Unquotes a PromQL string literal written with double quotes, single quotes (both with Go escapes) or back
    /// quotes (raw). Returns false with a message for a malformed literal.
    /// </summary>
    public static bool TryUnquote(string literal, out string value, out string error)
    {
        value = string.Empty;
        error = string.Empty;
        if (literal.Length < 2)
        {
            error = "invalid syntax";
            return false;
        }
        char quote = literal[0];
        if (literal[^1] != quote)
        {
            error = "invalid syntax";
            return false;
        }
        string body = literal[1..^1];
        if (quote == '`')
        {
            if (body.Contains('`', StringComparison.Ordinal))
            {
                error = "invalid syntax";
                return false;
            }
            value = ReplaceLoneSurrogates(body.Replace("\r", string.Empty, StringComparison.Ordinal));
            return true;
        }
        if (quote != '"' && quote != '\'')
        {
            error = "invalid syntax";
            return false;
        }
        if (!body.Contains('\\', StringComparison.Ordinal))
        {
            if (body.Contains(quote, StringComparison.Ordinal) || body.Contains('\n', StringComparison.Ordinal))
            {
                error = "invalid syntax";
                return false;
            }
            value = ReplaceLoneSurrogates(body);
            return true;
        }
        var bytes = new List<byte>(body.Length + 8);
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < body.Length;)
        {
            char c = body[i];
            if (c == quote || c == '\n')
            {
                error = "invalid syntax";
                return false;
            }
            if (c != '\\')
            {
                if (c >= 0xDC80 && c <= 0xDCFF)
                {
                    bytes.Add((byte)(c - 0xDC00));
                    i++;
                    continue;
                }
                int len = char.IsHighSurrogate(c) && i + 1 < body.Length && char.IsLowSurrogate(body[i + 1]) ? 2 : 1;
                int n = Encoding.UTF8.GetBytes(body.AsSpan(i, len), utf8);
                for (int k = 0; k < n; k++)
                {
                    bytes.Add(utf8[k]);
                }
                i += len;
                continue;
            }
            if (i + 1 >= body.Length)
            {
                error = "invalid syntax";
                return false;
            }
            char e = body[i + 1];
            i += 2;
            switch (e)
            {
                case 'a': bytes.Add(7); break;
                case 'b': bytes.Add(8); break;
                case 'f': bytes.Add(12); break;
                case 'n': bytes.Add(10); break;
                case 'r': bytes.Add(13); break;
                case 't': bytes.Add(9); break;
                case 'v': bytes.Add(11); break;
                case '\\': bytes.Add((byte)'\\'); break;
                case '\'' or '"':
                    if (e != quote)
                    {
                        error = "invalid syntax";
                        return false;
                    }
                    bytes.Add((byte)e);
                    break;
                case 'x':
                case 'u':
                case 'U':
                {
                    int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + digits > body.Length || !int.TryParse(body.AsSpan(i, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int v))
                    {
                        error = "invalid syntax";
                        return false;
                    }
                    i += digits;
                    if (e == 'x')
                    {
                        bytes.Add((byte)v);
                    }
                    else
                    {
                        if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000))
                        {
                            error = "invalid syntax";
                            return false;
                        }
                        int n = new Rune(v).EncodeToUtf8(utf8);
                        for (int k = 0; k < n; k++)
                        {
                            bytes.Add(utf8[k]);
                        }
                    }
                    break;
                }
                case >= '0' and <= '7':
                {
                    if (i + 2 > body.Length)
                    {
                        error = "invalid syntax";
                        return false;
                    }
                    int v = e - '0';
                    for (int k = 0; k < 2; k++)
                    {
                        char d = body[i + k];
                        if (d < '0' || d > '7')
                        {
                            error = "invalid syntax";
                            return false;
                        }
                        v = (v * 8) + (d - '0');
                    }
                    if (v > 255)
                    {
                        error = "invalid syntax";
                        return false;
                    }
                    i += 2;
                    bytes.Add((byte)v);
                    break;
                }
                default:
                    error = "invalid syntax";
                    return false;
            }
        }
        value = DecodeUtf8WithEscapes(bytes.ToArray());
        return true;
    }

    /// <summary>
    /// A lone surrogate outside the surrogate-escape range stands for no character: it becomes U+FFFD, as the escape
    /// path's UTF-8 round trip and <see cref="Quote"/> treat it, so a literal parses to the value its printed form does.
    /// </summary>
    private static string ReplaceLoneSurrogates(string s)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (!char.IsSurrogate(c))
            {
                continue;
            }
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
                continue;
            }
            if (c is >= (char)0xDC80 and <= (char)0xDCFF)
            {
                continue;
            }
            sb ??= new StringBuilder(s);
            sb[i] = '\uFFFD';
        }
        return sb?.ToString() ?? s;
    }

    /// <summary>Decodes UTF-8, carrying each byte of an invalid sequence as a lone surrogate U+DC80..U+DCFF.</summary>
    public static string DecodeUtf8WithEscapes(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        Span<char> buf = stackalloc char[2];
        while (!bytes.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(bytes, out var rune, out int consumed);
            if (status == System.Buffers.OperationStatus.Done)
            {
                int n = rune.EncodeToUtf16(buf);
                sb.Append(buf[..n]);
                bytes = bytes[consumed..];
            }
            else
            {
                sb.Append((char)(0xDC00 + bytes[0]));
                bytes = bytes[1..];
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// Parses a number as PromQL does: first as a Go integer literal (decimal, 0x hex, 0o/leading-0 octal, 0b binary,
    /// underscores between digits), then as a Go float (decimal, exponent, hex float, Inf/Infinity/NaN in any case).
    /// </summary>
    public static bool TryParseNumber(string s, out double value)
    {
        if (TryParseGoInt(s, out long l))
        {
            value = l;
            return true;
        }
        return TryParseGoFloat(s, out value);
    }

    private static bool TryParseGoInt(string s, out long value)
    {
        value = 0;
        var span = s.AsSpan();
        bool neg = false;
        if (span.Length > 0 && (span[0] == '+' || span[0] == '-'))
        {
            neg = span[0] == '-';
            span = span[1..];
        }
        if (span.IsEmpty)
        {
            return false;
        }
        int radix = 10;
        bool prefixed = false;
        if (span.Length >= 2 && span[0] == '0')
        {
            switch (span[1])
            {
                case 'x' or 'X': radix = 16; span = span[2..]; prefixed = true; break;
                case 'o' or 'O': radix = 8; span = span[2..]; prefixed = true; break;
                case 'b' or 'B': radix = 2; span = span[2..]; prefixed = true; break;
                default: radix = 8; span = span[1..]; prefixed = true; break;
            }
        }
        if (span.IsEmpty && radix != 8)
        {
            return false;
        }
        ulong acc = 0;
        bool sawDigit = false;
        char prev = prefixed ? '_' : '\0';
        for (int i = 0; i < span.Length; i++)
        {
            char c = span[i];
            if (c == '_')
            {
                // Go: underscores must separate digits (or follow a base prefix).
                if (prev == '_' && !(prefixed && i == 0))
                {
                    return false;
                }
                prev = '_';
                continue;
            }
            int d = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => 99,
            };
            if (d >= radix)
            {
                return false;
            }
            if (acc > (ulong.MaxValue - (ulong)d) / (ulong)radix)
            {
                return false;
            }
            acc = (acc * (ulong)radix) + (ulong)d;
            sawDigit = true;
            prev = c;
        }
        if (prev == '_' || (!sawDigit && !(radix == 8 && span.IsEmpty)))
        {
            return false;
        }
        if (neg)
        {
            if (acc > 9223372036854775808UL)
            {
                return false;
            }
            value = acc == 9223372036854775808UL ? long.MinValue : -(long)acc;
            return true;
        }
        if (acc > long.MaxValue)
        {
            return false;
        }
        value = (long)acc;
        return true;
    }

    /// <summary>Go's <c>strconv.ParseFloat(s, 64)</c>: decimal or hex float (with p exponent), Inf/Infinity/NaN in any case.</summary>
    public static bool TryParseGoFloat(string s, out double value)
    {
        value = 0;
        var span = s.AsSpan();
        bool neg = false;
        if (span.Length > 0 && (span[0] == '+' || span[0] == '-'))
        {
            neg = span[0] == '-';
            span = span[1..];
        }
        if (span.Equals("inf", StringComparison.OrdinalIgnoreCase) || span.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = neg ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        if (span.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            value = double.NaN;
            return true;
        }
        if (span.Length > 2 && span[0] == '0' && (span[1] == 'x' || span[1] == 'X'))
        {
            if (!TryParseHexFloat(span[2..], out value))
            {
                return false;
            }
            value = neg ? -value : value;
            return true;
        }
        foreach (char c in span)
        {
            if (!(char.IsAsciiDigit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
            {
                return false;
            }
        }
        if (span.IsEmpty || !double.TryParse(span, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value))
        {
            return false;
        }
        value = neg ? -value : value;
        return true;
    }

    private static bool TryParseHexFloat(ReadOnlySpan<char> s, out double value)
    {
        value = 0;
        int p = s.IndexOfAny('p', 'P');
        if (p < 0)
        {
            return false;
        }
        var mant = s[..p];
        if (!int.TryParse(s[(p + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int exp))
        {
            return false;
        }
        double m = 0;
        int fracDigits = 0;
        bool dot = false;
        bool any = false;
        foreach (char c in mant)
        {
            if (c == '_')
            {
                continue;
            }
            if (c == '.')
            {
                if (dot)
                {
                    return false;
                }
                dot = true;
                continue;
            }
            int d = char.IsAsciiHexDigit(c) ? Convert.ToInt32(c.ToString(), 16) : -1;
            if (d < 0)
            {
                return false;
            }
            m = (m * 16) + d;
            any = true;
            if (dot)
            {
                fracDigits++;
            }
        }
        if (!any)
        {
            return false;
        }
        value = m * Math.Pow(2, exp - (4 * fracDigits));
        return true;
    }

    /// <summary>Go <c>strconv.FormatFloat(v, 'f', -1, 64)</c>: shortest round-trip digits, never an exponent.</summary>
    public static string FormatFloat(double v) => ShortestDouble.Format(v);

    /// <summary>Go <c>fmt</c> <c>%g</c> of a float64: shortest digits, exponent form when exp &lt; -4 or ≥ 6.</summary>
    public static string FormatFloatG(double v)
    {
        if (double.IsNaN(v))
        {
            return "NaN";
        }
        if (double.IsPositiveInfinity(v))
        {
            return "+Inf";
        }
        if (double.IsNegativeInfinity(v))
        {
            return "-Inf";
        }
        if (v == 0)
        {
            return double.IsNegative(v) ? "-0" : "0";
        }
        ShortestDigits(v, out bool neg, out string digits, out int pointPos);
        int exp = pointPos - 1;
        // Note: with the shortest representation Go decides on the exponent form with a precision of 6.
        const int eprec = 6;
        if (exp < -4 || exp >= eprec)
        {
            var sb = new StringBuilder();
            if (neg)
            {
                sb.Append('-');
            }
            sb.Append(digits[0]);
            if (digits.Length > 1)
            {
                sb.Append('.').Append(digits, 1, digits.Length - 1);
            }
            sb.Append('e').Append(exp < 0 ? '-' : '+');
            int ax = Math.Abs(exp);
            if (ax < 10)
            {
                sb.Append('0');
            }
            sb.Append(ax.ToString(CultureInfo.InvariantCulture));
            return sb.ToString();
        }
        return FormatFloat(v);
    }

    private static void ShortestDigits(double v, out bool neg, out string digits, out int pointPos)
    {
        neg = v < 0;
        string shortest = Math.Abs(v).ToString("R", CultureInfo.InvariantCulture);
        int e = shortest.IndexOf('E', StringComparison.Ordinal);
        string mant;
        int exp10;
        if (e >= 0)
        {
            mant = shortest[..e];
            exp10 = int.Parse(shortest.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }
        else
        {
            mant = shortest;
            exp10 = 0;
        }
        int dot = mant.IndexOf('.', StringComparison.Ordinal);
        string intPart = dot < 0 ? mant : mant[..dot];
        string frac = dot < 0 ? string.Empty : mant[(dot + 1)..];
        string all = (intPart + frac).TrimStart('0');
        int leadingZeros = (intPart + frac).Length - all.Length;
        pointPos = intPart.Length + exp10 - leadingZeros;
        digits = all.TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
            pointPos = 1;
        }
    }
}
