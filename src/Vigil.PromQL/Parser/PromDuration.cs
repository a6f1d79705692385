using Vigil.Core.Model;

namespace Vigil.PromQL.Parser;

/// <summary>
/// Prometheus durations (<c>model.Duration</c>) in milliseconds, as PromQL and promqltest scripts use them: the grammar
/// of <see cref="PrometheusDuration"/> with Go's <c>time.Duration</c> range and Prometheus's own error texts.
/// </summary>
public static class PromDuration
{
    /// <summary>The largest duration Prometheus accepts (Go's time.Duration range), in milliseconds.</summary>
    public const long MaxMilliseconds = long.MaxValue / 1_000_000;

    /// <summary>Parses a duration into milliseconds; false with Prometheus's error text when malformed.</summary>
    public static bool TryParse(string s, out long milliseconds, out string error)
    {
        var problem = PrometheusDuration.TryParseMilliseconds(s, MaxMilliseconds, out milliseconds);
        error = problem switch
        {
            DurationProblem.None => string.Empty,
            DurationProblem.Empty => "empty duration string",
            DurationProblem.OutOfRange => "duration out of range",
            _ => "not a valid duration string: " + GoText.Quote(s),
        };
        return problem == DurationProblem.None;
    }

    /// <summary>Parses a duration or throws <see cref="FormatException"/>.</summary>
    public static long Parse(string s)
        => TryParse(s, out long ms, out string error) ? ms : throw new FormatException(error);

    /// <summary>Formats milliseconds the way Prometheus prints durations (<c>1h30m</c>, <c>90d</c>, <c>0s</c>).</summary>
    public static string Format(long milliseconds) => PrometheusDuration.FormatMilliseconds(milliseconds, yearsAndWeeksOnlyWhenExact: true);
}
