using System.Globalization;
using Vigil.Core.Model;

namespace Vigil.Server.Api;

/// <summary>
/// Parses the durations the Prometheus HTTP API accepts for <c>step</c>, <c>timeout</c> and <c>lookback_delta</c>:
/// seconds as a float (<c>15</c>, <c>0.5</c>) or a Prometheus duration (<c>1m30s</c>).
/// </summary>
internal static class ApiDuration
{
    /// <summary>Parses <paramref name="text"/>; false with Prometheus's message when it is neither form.</summary>
    public static bool TryParse(string text, out TimeSpan duration, out string error)
    {
        error = string.Empty;
        if (double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out double seconds))
        {
            // Note: Go converts to int64 nanoseconds, so anything beyond ±292 years overflows.
            if (!double.IsFinite(seconds) || Math.Abs(seconds * 1e9) >= long.MaxValue)
            {
                duration = TimeSpan.Zero;
                error = $"cannot parse \"{text}\" to a valid duration. It overflows int64";
                return false;
            }
            duration = TimeSpan.FromTicks((long)(seconds * TimeSpan.TicksPerSecond));
            return true;
        }
        if (PrometheusDuration.TryParse(text, out duration, out _))
        {
            return true;
        }
        error = $"cannot parse \"{text}\" to a valid duration";
        return false;
    }
}
