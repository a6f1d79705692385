using System.Globalization;
using System.Text;

namespace Vigil.Core.Model;

/// <summary>Parses and formats durations the way Prometheus writes them: <c>5s</c>, <c>1m30s</c>, <c>2h</c>, <c>1d</c>, <c>250ms</c>.</summary>
/// <remarks>
/// Units in descending order, each at most once: <c>y</c> (365 days), <c>w</c>, <c>d</c>, <c>h</c>, <c>m</c>, <c>s</c>,
/// <c>ms</c>; integers only; <c>0</c> alone is zero. Thread-safe (stateless).
/// </remarks>
public static class PrometheusDuration
{
    private static readonly (string Unit, long Ms)[] Units =
    [
        ("y", 365L * 24 * 3600 * 1000),
        ("w", 7L * 24 * 3600 * 1000),
        ("d", 24L * 3600 * 1000),
        ("h", 3600L * 1000),
        ("m", 60L * 1000),
        ("s", 1000L),
        ("ms", 1L),
    ];

    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> naming the text when it is not a duration.</summary>
    public static TimeSpan Parse(string text)
        => TryParse(text, out var d, out var error) ? d : throw new FormatException(error);

    /// <summary>Parses <paramref name="text"/>; on failure returns false with a message naming the text.</summary>
    public static bool TryParse(string text, out TimeSpan duration, out string error)
    {
        duration = TimeSpan.Zero;
        error = string.Empty;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty duration string";
            return false;
        }
        if (text == "0")
        {
            return true;
        }
        long total = 0;
        int pos = 0;
        int nextUnit = 0;
        while (pos < text.Length)
        {
            int numStart = pos;
            while (pos < text.Length && text[pos] >= '0' && text[pos] <= '9')
            {
                pos++;
            }
            if (pos == numStart || pos == text.Length)
            {
                error = Invalid(text);
                return false;
            }
            if (!long.TryParse(text.AsSpan(numStart, pos - numStart), NumberStyles.None, CultureInfo.InvariantCulture, out long n))
            {
                error = $"duration out of range: \"{text}\"";
                return false;
            }
            int unitStart = pos;
            while (pos < text.Length && text[pos] is >= 'a' and <= 'z')
            {
                pos++;
            }
            var unit = text.AsSpan(unitStart, pos - unitStart);
            int u = nextUnit;
            while (u < Units.Length && !unit.SequenceEqual(Units[u].Unit))
            {
                u++;
            }
            if (u == Units.Length)
            {
                error = Invalid(text);
                return false;
            }
            nextUnit = u + 1;
            try
            {
                total = checked(total + checked(n * Units[u].Ms));
            }
            catch (OverflowException)
            {
                error = $"duration out of range: \"{text}\"";
                return false;
            }
        }
        if (total > (long)TimeSpan.MaxValue.TotalMilliseconds)
        {
            error = $"duration out of range: \"{text}\"";
            return false;
        }
        duration = TimeSpan.FromMilliseconds(total);
        return true;
    }

    /// <summary>Formats like Prometheus: <c>1m30s</c>, <c>5s</c>, <c>250ms</c>, <c>0s</c> (sub-millisecond parts are dropped).</summary>
    public static string Format(TimeSpan duration)
    {
        long ms = (long)duration.TotalMilliseconds;
        if (ms == 0)
        {
            return "0s";
        }
        var sb = new StringBuilder();
        if (ms < 0)
        {
            sb.Append('-');
            ms = -ms;
        }
        foreach (var (unit, size) in Units)
        {
            long n = ms / size;
            if (n > 0)
            {
                sb.Append(n.ToString(CultureInfo.InvariantCulture)).Append(unit);
                ms -= n * size;
            }
        }
        return sb.ToString();
    }

    private static string Invalid(string text) => $"not a valid duration string: \"{text}\" (use e.g. 5s, 1m30s, 2h, 1d)";
}
