namespace Vigil.Analysis.Forecasting;

/// <summary>
/// Forecasts a series sampled on a regular step (a range query's output): fills missing steps by linear interpolation,
/// fits additive Holt–Winters with the season detected from the data (Holt's linear trend without one) and forecasts up
/// to a horizon with prediction intervals.
/// </summary>
public sealed class StepForecast
{
    private StepForecast(HoltWinters model, int observations, IReadOnlyList<TimedForecast> points)
    {
        Model = model;
        Observations = observations;
        Points = points;
    }

    /// <summary>The fitted model (season length in steps, smoothing parameters, residual deviation).</summary>
    public HoltWinters Model { get; }

    /// <summary>The number of steps the model was fitted on (after filling gaps).</summary>
    public int Observations { get; }

    /// <summary>The forecast, one point per step after the last observation up to the horizon.</summary>
    public IReadOnlyList<TimedForecast> Points { get; }

    /// <summary>
    /// Fits and forecasts. <paramref name="timesMs"/> must increase and lie on the grid of <paramref name="stepMs"/>
    /// from the first time (other times are rounded to the nearest step); non-finite values count as missing.
    /// Throws <see cref="ArgumentException"/> when fewer than four finite values remain.
    /// </summary>
    public static StepForecast Fit(ReadOnlySpan<long> timesMs, ReadOnlySpan<double> values, long stepMs, long horizonMs, double level = 0.95)
    {
        if (timesMs.Length != values.Length)
        {
            throw new ArgumentException($"{timesMs.Length} times but {values.Length} values.", nameof(values));
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepMs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(horizonMs);
        int first = -1, last = -1;
        for (int i = 0; i < values.Length; i++)
        {
            if (double.IsFinite(values[i]))
            {
                first = first < 0 ? i : first;
                last = i;
            }
        }
        if (first < 0)
        {
            throw new ArgumentException("the series has no finite values.", nameof(values));
        }
        long start = timesMs[first];
        int n = (int)Math.Round((double)(timesMs[last] - start) / stepMs) + 1;
        var grid = new double[n];
        Array.Fill(grid, double.NaN);
        int finite = 0;
        for (int i = first; i <= last; i++)
        {
            if (double.IsFinite(values[i]))
            {
                int k = (int)Math.Round((double)(timesMs[i] - start) / stepMs);
                if (k >= 0 && k < n)
                {
                    grid[k] = values[i];
                    finite++;
                }
            }
        }
        if (finite < 4)
        {
            throw new ArgumentException($"a forecast needs at least 4 values, the series has {finite}.", nameof(values));
        }
        // Note: gaps (missed scrapes, restarts) are bridged linearly so the model sees one value per step.
        int previous = 0;
        for (int k = 1; k < n; k++)
        {
            if (double.IsNaN(grid[k]))
            {
                continue;
            }
            for (int j = previous + 1; j < k; j++)
            {
                grid[j] = grid[previous] + ((grid[k] - grid[previous]) * (j - previous) / (k - previous));
            }
            previous = k;
        }
        var model = HoltWinters.Fit(grid);
        int steps = (int)Math.Max(1, horizonMs / stepMs);
        var forecast = model.Forecast(steps, level);
        long lastTime = start + ((long)(n - 1) * stepMs);
        var points = new TimedForecast[steps];
        for (int h = 0; h < steps; h++)
        {
            var p = forecast[h];
            points[h] = new TimedForecast(lastTime + ((h + 1) * stepMs), p.Value, p.Lower, p.Upper);
        }
        return new StepForecast(model, n, points);
    }
}
