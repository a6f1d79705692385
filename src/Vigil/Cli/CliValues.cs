using System.Globalization;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.PromQL.Parser;
using Vigil.Server.Config;

namespace Vigil.Cli;

/// <summary>Parsing and formatting of the CLI's values: durations, byte sizes, times, selectors and sample values.</summary>
internal static class CliValues
{
    /// <summary>A byte size like Prometheus's <c>--storage.tsdb.retention.size</c>: <c>512MB</c>, <c>10GB</c> (powers of 1024), <c>0</c>.</summary>
    public static bool TryParseBytes(string text, out long bytes, out string error) => ByteSize.TryParse(text, out bytes, out error);

    /// <summary>
    /// A point in time: Unix seconds (<c>1700000000.5</c>), RFC 3339 (<c>2023-11-14T22:13:20Z</c>), <c>now</c>, or
    /// <c>now-DURATION</c> / <c>now+DURATION</c> (<c>now-1h</c>).
    /// </summary>
    public static bool TryParseTime(string text, long nowMs, out long timestampMs, out string error)
    {
        error = string.Empty;
        if (text == "now")
        {
            timestampMs = nowMs;
            return true;
        }
        if (text.StartsWith("now", StringComparison.Ordinal) && text.Length > 4 && text[3] is '-' or '+')
        {
            if (PrometheusDuration.TryParse(text[4..], out var d, out string durationError))
            {
                long delta = (long)d.TotalMilliseconds;
                timestampMs = text[3] == '-' ? nowMs - delta : nowMs + delta;
                return true;
            }
            timestampMs = 0;
            error = $"invalid time \"{text}\": {durationError}";
            return false;
        }
        if (ApiTime.TryParse(text, out timestampMs))
        {
            return true;
        }
        error = $"invalid time \"{text}\": use Unix seconds (1700000000), RFC 3339 (2023-11-14T22:13:20Z), now or now-1h";
        return false;
    }

    /// <summary>
    /// Parses a series selector with the PromQL parser; like Prometheus's API it needs one matcher that does not match
    /// the empty string. The error carries line:col.
    /// </summary>
    public static bool TryParseSelector(string text, out LabelMatcher[] matchers, out string error)
    {
        matchers = [];
        try
        {
            var parsed = PromQLParser.ParseMetricSelector(text);
            if (!parsed.Exists(m => !m.Matches(string.Empty)))
            {
                error = $"invalid selector \"{text}\": it must contain at least one non-empty matcher";
                return false;
            }
            matchers = [.. parsed];
            error = string.Empty;
            return true;
        }
        catch (PromQLParseException e)
        {
            error = $"invalid selector \"{text}\": {e.Message}";
            return false;
        }
    }

    /// <summary>A sample value as Prometheus prints it: shortest round-trip decimal, <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>.</summary>
    public static string FormatValue(double v) => double.IsFinite(v)
        ? v.ToString("R", CultureInfo.InvariantCulture)
        : double.IsNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";

    /// <summary>Milliseconds as Unix seconds for the HTTP API (<c>1700000000.123</c>).</summary>
    public static string FormatApiTime(long ms) => (ms / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
}
