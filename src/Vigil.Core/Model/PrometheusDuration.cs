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
        var problem = TryParseMilliseconds(text, (long)TimeSpan.MaxValue.TotalMilliseconds, out long ms);
        duration = problem == DurationProblem.None ? TimeSpan.FromMilliseconds(ms) : TimeSpan.Zero;
        error = problem switch
        {
            DurationProblem.None => string.Empty,
            DurationProblem.Empty => "empty duration string",
            DurationProblem.OutOfRange => $"duration out of range: \"{text}\"",
            _ => Invalid(text),
        };
        return problem == DurationProblem.None;
    }

    /// <summary>
    /// The one duration grammar (Prometheus's <c>model.ParseDuration</c>): parses <paramref name="text"/> into
    /// milliseconds no larger than <paramref name="maxMilliseconds"/>, or says what is wrong. A text that is both too
    /// large and malformed is malformed, as in Prometheus (the whole text is read before the range is judged).
    /// </summary>
    public static DurationProblem TryParseMilliseconds(string? text, long maxMilliseconds, out long milliseconds)
    {
        milliseconds = 0;
        if (string.IsNullOrEmpty(text))
        {
            return DurationProblem.Empty;
        }
        if (text == "0")
        {
            return DurationProblem.None;
        }
        long total = 0;
        int pos = 0;
        int nextUnit = 0;
        bool overflow = false;
        while (pos < text.Length)
        {
            int numStart = pos;
            while (pos < text.Length && char.IsAsciiDigit(text[pos]))
            {
                pos++;
            }
            if (pos == numStart)
            {
                return DurationProblem.Invalid;
            }
            var digits = text.AsSpan(numStart, pos - numStart);
            int unitStart = pos;
            while (pos < text.Length && char.IsAsciiLetter(text[pos]))
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
                return DurationProblem.Invalid;
            }
            nextUnit = u + 1;
            long size = Units[u].Ms;
            if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n > maxMilliseconds / size)
            {
                overflow = true;
                continue;
            }
            total += n * size;
            if (total > maxMilliseconds || total < 0)
            {
                overflow = true;
            }
        }
        if (overflow)
        {
            return DurationProblem.OutOfRange;
        }
        milliseconds = total;
        return DurationProblem.None;
    }

    /// <summary>Formats like Prometheus: <c>1m30s</c>, <c>5s</c>, <c>250ms</c>, <c>0s</c> (sub-millisecond parts are dropped).</summary>
    public static string Format(TimeSpan duration) => FormatMilliseconds((long)duration.TotalMilliseconds, yearsAndWeeksOnlyWhenExact: false);

    /// <summary>
    /// Formats milliseconds with the largest units first (<c>1h30m</c>, <c>0s</c>); with
    /// <paramref name="yearsAndWeeksOnlyWhenExact"/> years and weeks are used only when nothing is left over, as
    /// Prometheus's <c>model.Duration.String</c> does (<c>90d</c> rather than <c>12w6d</c>).
    /// </summary>
    public static string FormatMilliseconds(long milliseconds, bool yearsAndWeeksOnlyWhenExact)
    {
        long ms = milliseconds;
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
            if (yearsAndWeeksOnlyWhenExact && unit is "y" or "w" && ms % size != 0)
            {
                continue;
            }
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
