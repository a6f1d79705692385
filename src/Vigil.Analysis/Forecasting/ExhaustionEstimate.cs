namespace Vigil.Analysis.Forecasting;

/// <summary>When a rising quantity is expected to reach a limit, with an interval from the forecast's prediction band.</summary>
/// <param name="Estimate">The x at which the fitted line reaches the limit.</param>
/// <param name="Earliest">The first x at which the upper prediction bound reaches it (the soonest plausible time).</param>
/// <param name="Latest">The first x at which the lower prediction bound reaches it; +∞ when the band never gets there.</param>
public readonly record struct ExhaustionEstimate(double Estimate, double Earliest, double Latest)
{
    /// <summary>
    /// Fits nothing itself: takes a line fitted to usage over x and returns when it reaches <paramref name="limit"/>,
    /// searching from <paramref name="fromX"/> (usually the last observation) up to <paramref name="maxX"/>; null when the
    /// line does not rise or does not get there before <paramref name="maxX"/>.
    /// </summary>
    /// <remarks>
    /// The interval comes from the prediction interval of a new observation at <paramref name="level"/>: the earliest time
    /// is where the upper bound crosses the limit, the latest where the lower bound does (bisection; both bounds rise
    /// beyond the mean x of the fit when the slope is significant).
    /// </remarks>
    public static ExhaustionEstimate? Find(LinearForecast fit, double limit, double fromX, double maxX, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(fit);
        if (!(fit.Slope > 0) || !(maxX > fromX))
        {
            return null;
        }
        double estimate = Math.Max(fromX, (limit - fit.Intercept) / fit.Slope);
        if (estimate > maxX)
        {
            return null;
        }
        double earliest = Cross(x => fit.Predict(x, level).Upper, limit, fromX, maxX);
        double latest = Cross(x => fit.Predict(x, level).Lower, limit, fromX, maxX);
        return new ExhaustionEstimate(estimate, Math.Min(earliest, estimate), Math.Max(latest, estimate));
    }

    /// <summary>The first x in [from, max·4] where <paramref name="f"/> reaches <paramref name="limit"/>, or +∞.</summary>
    private static double Cross(Func<double, double> f, double limit, double from, double max)
    {
        if (f(from) >= limit)
        {
            return from;
        }
        // Note: widen the search beyond max (the band may cross later than the line); past 4 × the span it counts as never.
        double span = max - from;
        double lo = from, hi = from + span;
        while (f(hi) < limit)
        {
            lo = hi;
            span *= 2;
            hi = from + span;
            if (span > 4 * (max - from))
            {
                return double.PositiveInfinity;
            }
        }
        for (int i = 0; i < 100 && hi - lo > 1e-9 * Math.Max(1, Math.Abs(hi)); i++)
        {
            double mid = 0.5 * (lo + hi);
            if (f(mid) >= limit)
            {
                hi = mid;
            }
            else
            {
                lo = mid;
            }
        }
        return hi;
    }
}
