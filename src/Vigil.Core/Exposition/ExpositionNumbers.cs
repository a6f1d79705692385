using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Vigil.Core.Model;

namespace Vigil.Core.Exposition;

/// <summary>Parsing and formatting of sample values and timestamps as Prometheus reads and writes them.</summary>
internal static class ExpositionNumbers
{
    /// <summary>Longest output of <see cref="FormatDouble(double, bool)"/> and <see cref="FormatSecondsFromMillis"/>.</summary>
    public const int MaxNumberLength = 32;

    /// <summary>The NaN Prometheus stores for a scraped <c>NaN</c> (never the staleness marker).</summary>
    public static readonly double CanonicalNaN = BitConverter.UInt64BitsToDouble(StaleMarker.NormalNaNBits);

    private const ulong MaxExactMantissa = 1UL << 53;

    private enum Kind
    {
        Invalid,
        Finite,
        PositiveInfinity,
        NegativeInfinity,
        NaN,
    }

    // Note: arrays, not ReadOnlySpan properties over constants: without optimisation (Debug builds) each access of such
    // a property allocates a field-info stub, which would break the no-allocation-per-sample promise.
    private static readonly double[] Pow10 =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    private static readonly ulong[] Pow10Integer =
    [
        1UL, 10UL, 100UL, 1000UL, 10000UL, 100000UL, 1000000UL, 10000000UL, 100000000UL, 1000000000UL,
        10000000000UL, 100000000000UL, 1000000000000UL, 10000000000000UL, 100000000000000UL,
        1000000000000000UL, 10000000000000000UL, 100000000000000000UL, 1000000000000000000UL,
        10000000000000000000UL,
    ];

    /// <summary>
    /// Parses a sample value the way Prometheus does (Go's <c>strconv.ParseFloat</c> minus hex and underscores):
    /// an optionally signed decimal with optional fraction and exponent, <c>Inf</c>/<c>Infinity</c> in any case with
    /// an optional sign, or <c>NaN</c> in any case. Values beyond the double range are refused, as in Go.
    /// A NaN is returned with Prometheus's canonical bit pattern.
    /// </summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> s, out double value)
    {
        switch (Scan(s, out bool negative, out ulong mantissa, out int exponent, out bool inexact))
        {
            case Kind.Finite:
                break;
            case Kind.PositiveInfinity:
                value = double.PositiveInfinity;
                return true;
            case Kind.NegativeInfinity:
                value = double.NegativeInfinity;
                return true;
            case Kind.NaN:
                value = CanonicalNaN;
                return true;
            default:
                value = 0;
                return false;
        }
        if (mantissa == 0)
        {
            value = negative ? -0.0 : 0.0;
            return true;
        }
        double v;
        if (!inexact && mantissa <= MaxExactMantissa && exponent >= -22 && exponent <= 22)
        {
            // Note: both operands are exact doubles, so one IEEE multiplication or division rounds correctly (Clinger).
            v = exponent >= 0 ? mantissa * Pow10[exponent] : mantissa / Pow10[-exponent];
            if (negative)
            {
                v = -v;
            }
        }
        else if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v))
        {
            value = 0;
            return false;
        }
        value = v;
        return !double.IsInfinity(v);
    }

    /// <summary>Parses a text-format timestamp: an optionally negative integer number of milliseconds.</summary>
    public static bool TryParseMillis(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        int i = 0;
        bool negative = false;
        if (s.Length > 0 && s[0] == '-')
        {
            negative = true;
            i = 1;
        }
        if (i >= s.Length)
        {
            return false;
        }
        ulong magnitude = 0;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9)
            {
                return false;
            }
            magnitude = (magnitude * 10) + d;
            if (magnitude > (ulong)long.MaxValue + 1)
            {
                return false;
            }
        }
        if (!negative && magnitude > long.MaxValue)
        {
            return false;
        }
        value = negative ? (long)(0 - magnitude) : (long)magnitude;
        return true;
    }

    /// <summary>
    /// Parses an OpenMetrics timestamp (seconds, possibly fractional or with an exponent) into milliseconds, truncating
    /// toward zero from the exact decimal value, so <c>1520879607.789</c> is exactly 1520879607789.
    /// </summary>
    public static bool TryParseSecondsAsMillis(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (Scan(s, out bool negative, out ulong mantissa, out int exponent, out _) != Kind.Finite)
        {
            return false;
        }
        if (mantissa == 0)
        {
            return true;
        }
        int e = exponent + 3;
        ulong magnitude;
        if (e >= 0)
        {
            if (e >= Pow10Integer.Length)
            {
                return false;
            }
            ulong p = Pow10Integer[e];
            if (mantissa > ulong.MaxValue / p)
            {
                return false;
            }
            magnitude = mantissa * p;
        }
        else
        {
            magnitude = -e >= Pow10Integer.Length ? 0 : mantissa / Pow10Integer[-e];
        }
        if (magnitude > long.MaxValue)
        {
            return false;
        }
        value = negative ? -(long)magnitude : (long)magnitude;
        return true;
    }

    /// <summary>
    /// Scans the decimal grammar. The mantissa keeps up to 19 significant digits; <paramref name="inexact"/> says
    /// non-zero digits were dropped. The value is mantissa × 10^exponent.
    /// </summary>
    private static Kind Scan(ReadOnlySpan<byte> s, out bool negative, out ulong mantissa, out int exponent, out bool inexact)
    {
        negative = false;
        mantissa = 0;
        exponent = 0;
        inexact = false;
        int i = 0;
        if (s.IsEmpty)
        {
            return Kind.Invalid;
        }
        bool signed = false;
        if (s[0] == '+' || s[0] == '-')
        {
            negative = s[0] == '-';
            signed = true;
            i = 1;
            if (s.Length == 1)
            {
                return Kind.Invalid;
            }
        }
        byte first = s[i];
        if (first != '.' && (uint)(first - '0') > 9)
        {
            var word = s[i..];
            if (Ascii.EqualsIgnoreCase(word, "inf"u8) || Ascii.EqualsIgnoreCase(word, "infinity"u8))
            {
                return negative ? Kind.NegativeInfinity : Kind.PositiveInfinity;
            }
            // Note: Go accepts a sign before Inf but not before NaN.
            return !signed && Ascii.EqualsIgnoreCase(word, "nan"u8) ? Kind.NaN : Kind.Invalid;
        }
        int digits = 0;
        bool sawDigit = false;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9)
            {
                break;
            }
            sawDigit = true;
            if (digits < 19)
            {
                mantissa = (mantissa * 10) + d;
                if (mantissa != 0)
                {
                    digits++;
                }
            }
            else
            {
                exponent++;
                inexact |= d != 0;
            }
        }
        if (i < s.Length && s[i] == '.')
        {
            for (i++; i < s.Length; i++)
            {
                uint d = (uint)(s[i] - '0');
                if (d > 9)
                {
                    break;
                }
                sawDigit = true;
                if (digits < 19)
                {
                    mantissa = (mantissa * 10) + d;
                    exponent--;
                    if (mantissa != 0)
                    {
                        digits++;
                    }
                }
                else
                {
                    inexact |= d != 0;
                }
            }
        }
        if (!sawDigit)
        {
            return Kind.Invalid;
        }
        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            bool expNegative = false;
            if (i < s.Length && (s[i] == '+' || s[i] == '-'))
            {
                expNegative = s[i] == '-';
                i++;
            }
            int expStart = i;
            int e = 0;
            for (; i < s.Length; i++)
            {
                uint d = (uint)(s[i] - '0');
                if (d > 9)
                {
                    break;
                }
                if (e < 100_000)
                {
                    e = (e * 10) + (int)d;
                }
            }
            if (i == expStart)
            {
                return Kind.Invalid;
            }
            exponent += expNegative ? -e : e;
        }
        return i == s.Length ? Kind.Finite : Kind.Invalid;
    }

    /// <summary>
    /// Formats a value as Go's <c>strconv.FormatFloat(v, 'g', -1, 64)</c> does (shortest round-trip digits, exponent
    /// form below 1e-4 and from 1e6), with <c>+Inf</c>, <c>-Inf</c> and <c>NaN</c>. With <paramref name="openMetrics"/>,
    /// integral values get a <c>.0</c> suffix as OpenMetrics writers emit. <paramref name="destination"/> needs
    /// <see cref="MaxNumberLength"/> bytes.
    /// </summary>
    public static int FormatDouble(double v, Span<byte> destination, bool openMetrics)
    {
        if (double.IsNaN(v))
        {
            return Copy("NaN"u8, destination);
        }
        if (double.IsPositiveInfinity(v))
        {
            return Copy("+Inf"u8, destination);
        }
        if (double.IsNegativeInfinity(v))
        {
            return Copy("-Inf"u8, destination);
        }
        if (v == 0)
        {
            int z = double.IsNegative(v) ? Copy("-0"u8, destination) : Copy("0"u8, destination);
            return openMetrics ? z + Copy(".0"u8, destination[z..]) : z;
        }

        Span<byte> text = stackalloc byte[40];
        v.TryFormat(text, out int length, "R", CultureInfo.InvariantCulture);
        text = text[..length];

        // Decode .NET's round-trip text into significant digits and the decimal point position (value = 0.ddd × 10^dp).
        Span<byte> digits = stackalloc byte[24];
        int nd = 0;
        int dp = 0;
        bool negative = false;
        bool afterPoint = false;
        int p = 0;
        if (text[0] == '-')
        {
            negative = true;
            p = 1;
        }
        for (; p < text.Length; p++)
        {
            byte c = text[p];
            if (c == '.')
            {
                afterPoint = true;
                continue;
            }
            if (c == 'E' || c == 'e')
            {
                break;
            }
            if (nd == 0 && c == '0')
            {
                if (afterPoint)
                {
                    dp--;
                }
                continue;
            }
            digits[nd++] = c;
            if (!afterPoint)
            {
                dp++;
            }
        }
        if (p < text.Length)
        {
            Utf8Parser.TryParse(text[(p + 1)..], out int e, out _);
            dp += e;
        }
        while (nd > 1 && digits[nd - 1] == '0')
        {
            nd--;
        }

        int w = 0;
        if (negative)
        {
            destination[w++] = (byte)'-';
        }
        int exp = dp - 1;
        bool integral = false;
        if (exp < -4 || exp >= 6)
        {
            destination[w++] = digits[0];
            if (nd > 1)
            {
                destination[w++] = (byte)'.';
                digits[1..nd].CopyTo(destination[w..]);
                w += nd - 1;
            }
            destination[w++] = (byte)'e';
            destination[w++] = exp < 0 ? (byte)'-' : (byte)'+';
            int ae = Math.Abs(exp);
            if (ae >= 100)
            {
                destination[w++] = (byte)('0' + (ae / 100));
                ae %= 100;
                destination[w++] = (byte)('0' + (ae / 10));
            }
            else
            {
                destination[w++] = (byte)('0' + (ae / 10));
            }
            destination[w++] = (byte)('0' + (ae % 10));
        }
        else if (dp <= 0)
        {
            destination[w++] = (byte)'0';
            destination[w++] = (byte)'.';
            for (int i = dp; i < 0; i++)
            {
                destination[w++] = (byte)'0';
            }
            digits[..nd].CopyTo(destination[w..]);
            w += nd;
        }
        else if (dp >= nd)
        {
            digits[..nd].CopyTo(destination[w..]);
            w += nd;
            for (int i = nd; i < dp; i++)
            {
                destination[w++] = (byte)'0';
            }
            integral = true;
        }
        else
        {
            digits[..dp].CopyTo(destination[w..]);
            w += dp;
            destination[w++] = (byte)'.';
            digits[dp..nd].CopyTo(destination[w..]);
            w += nd - dp;
        }
        if (integral && openMetrics)
        {
            destination[w++] = (byte)'.';
            destination[w++] = (byte)'0';
        }
        return w;
    }

    /// <summary>Formats a value as a string with <see cref="FormatDouble(double, bool)"/>.</summary>
    public static string FormatDouble(double v, bool openMetrics)
    {
        Span<byte> buffer = stackalloc byte[MaxNumberLength];
        int n = FormatDouble(v, buffer, openMetrics);
        return Encoding.ASCII.GetString(buffer[..n]);
    }

    /// <summary>Formats milliseconds as exact decimal seconds (<c>1.5</c>, <c>-0.001</c>, <c>1700000000</c>).</summary>
    public static int FormatSecondsFromMillis(long ms, Span<byte> destination)
    {
        int w = 0;
        ulong magnitude = (ulong)ms;
        if (ms < 0)
        {
            destination[w++] = (byte)'-';
            magnitude = 0 - magnitude;
        }
        Utf8Formatter.TryFormat(magnitude / 1000, destination[w..], out int n);
        w += n;
        uint fraction = (uint)(magnitude % 1000);
        if (fraction != 0)
        {
            destination[w++] = (byte)'.';
            destination[w++] = (byte)('0' + (fraction / 100));
            fraction %= 100;
            if (fraction != 0)
            {
                destination[w++] = (byte)('0' + (fraction / 10));
                fraction %= 10;
                if (fraction != 0)
                {
                    destination[w++] = (byte)('0' + fraction);
                }
            }
        }
        return w;
    }

    private static int Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        source.CopyTo(destination);
        return source.Length;
    }
}
