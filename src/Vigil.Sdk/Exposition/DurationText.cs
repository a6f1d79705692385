using System.Globalization;

namespace Vigil.Sdk.Exposition;

/// <summary>Parses durations as Prometheus writes them (<c>30s</c>, <c>5m</c>, <c>1h30m</c>, <c>250ms</c>) or as plain seconds (<c>90</c>, <c>0.5</c>).</summary>
internal static class DurationText
{
    private static readonly (string Unit, double Ms)[] Units =
    [
        ("ms", 1),
        ("y", 365d * 24 * 3600 * 1000),
        ("w", 7d * 24 * 3600 * 1000),
        ("d", 24d * 3600 * 1000),
        ("h", 3600d * 1000),
        ("m", 60d * 1000),
        ("s", 1000),
    ];

    /// <summary>Parses <paramref name="text"/>; on failure returns false with a message that quotes it.</summary>
    public static bool TryParse(string text, out TimeSpan duration, out string error)
    {
        duration = TimeSpan.Zero;
        error = string.Empty;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty duration";
            return false;
        }
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds))
        {
            duration = TimeSpan.FromSeconds(seconds);
            return true;
        }
        double totalMs = 0;
        int i = 0;
        while (i < text.Length)
        {
            int start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
            if (i == start)
            {
                error = $"invalid duration \"{text}\": expected a number at offset {i}";
                return false;
            }
            long n = long.Parse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture);
            bool matched = false;
            foreach (var (unit, ms) in Units)
            {
                if (string.CompareOrdinal(text, i, unit, 0, unit.Length) == 0)
                {
                    totalMs += n * ms;
                    i += unit.Length;
                    matched = true;
                    break;
                }
            }
            if (!matched)
            {
                error = $"invalid duration \"{text}\": expected a unit (ms, s, m, h, d, w, y) at offset {i}";
                return false;
            }
        }
        duration = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }
}
