using System.Globalization;
using System.Text;

namespace Vigil.PromQL.Parser;

/// <summary>Prometheus durations (<c>model.Duration</c>): <c>1y2w3d4h5m6s7ms</c>, units in descending order, or <c>0</c>.</summary>
public static class PromDuration
{
    private const long Second = 1000;
    private const long Minute = 60 * Second;
    private const long Hour = 60 * Minute;
    private const long Day = 24 * Hour;
    private const long Week = 7 * Day;
    private const long Year = 365 * Day;

    /// <summary>The largest duration Prometheus accepts (Go's time.Duration range), in milliseconds.</summary>
    public const long MaxMilliseconds = long.MaxValue / 1_000_000;

    private static readonly (string Unit, long Mult)[] Units =
    [
        ("y", Year), ("w", Week), ("d", Day), ("h", Hour), ("m", Minute), ("s", Second), ("ms", 1),
    ];

    /// <summary>Parses a duration into milliseconds; false with Prometheus's error text when malformed.</summary>
    public static bool TryParse(string s, out long milliseconds, out string error)
    {
        milliseconds = 0;
        error = string.Empty;
        if (s == "0")
        {
            return true;
        }
        if (s.Length == 0)
        {
            error = "empty duration string";
            return false;
        }
        int pos = 0;
        int unitIndex = 0;
        long total = 0;
        bool overflow = false;
        while (pos < s.Length)
        {
            int start = pos;
            while (pos < s.Length && char.IsAsciiDigit(s[pos]))
            {
                pos++;
            }
            if (pos == start)
            {
                error = "not a valid duration string: " + GoText.Quote(s);
                return false;
            }
            var digits = s.AsSpan(start, pos - start);
            int unitStart = pos;
            while (pos < s.Length && char.IsAsciiLetter(s[pos]))
            {
                pos++;
            }
            var unit = s.AsSpan(unitStart, pos - unitStart);
            int found = -1;
            for (int u = unitIndex; u < Units.Length; u++)
            {
                if (unit.SequenceEqual(Units[u].Unit))
                {
                    found = u;
                    break;
                }
            }
            if (found < 0)
            {
                error = "not a valid duration string: " + GoText.Quote(s);
                return false;
            }
            unitIndex = found + 1;
            long mult = Units[found].Mult;
            if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n > MaxMilliseconds / mult)
            {
                overflow = true;
                continue;
            }
            total += n * mult;
            if (total > MaxMilliseconds || total < 0)
            {
                overflow = true;
            }
        }
        if (overflow)
        {
            error = "duration out of range";
            return false;
        }
        milliseconds = total;
        return true;
    }

    /// <summary>Parses a duration or throws <see cref="FormatException"/>.</summary>
    public static long Parse(string s)
        => TryParse(s, out long ms, out string error) ? ms : throw new FormatException(error);

    /// <summary>Formats milliseconds the way Prometheus prints durations (<c>1h30m</c>, <c>90d</c>, <c>0s</c>).</summary>
    public static string Format(long milliseconds)
    {
        if (milliseconds == 0)
        {
            return "0s";
        }
        var sb = new StringBuilder();
        long ms = milliseconds;
        if (ms < 0)
        {
            // Note: model.Duration.String() works on the absolute value only for positive numbers; callers print the sign.
            sb.Append('-');
            ms = -ms;
        }
        void Unit(string unit, long mult, bool exact)
        {
            if (exact && ms % mult != 0)
            {
                return;
            }
            long v = ms / mult;
            if (v > 0)
            {
                sb.Append(v.ToString(CultureInfo.InvariantCulture)).Append(unit);
                ms -= v * mult;
            }
        }
        // Only format years and weeks if the remainder is zero, as it is easier to read 90d than 12w6d.
        Unit("y", Year, true);
        Unit("w", Week, true);
        Unit("d", Day, false);
        Unit("h", Hour, false);
        Unit("m", Minute, false);
        Unit("s", Second, false);
        Unit("ms", 1, false);
        return sb.ToString();
    }
}
