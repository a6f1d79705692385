namespace Vigil.Analysis.Forecasting;

/// <summary>
/// Forecasts a series sampled on a regular step (a range query's output): fills missing steps by linear interpolation,
/// lets <see cref="Forecaster"/> choose a model (Holt–Winters with the detected season, a damped trend, a level, or the
/// last season repeated) and forecasts up to a horizon with intervals calibrated on the series' own errors.
/// </summary>
public sealed class StepForecast
{
    private StepForecast(Forecaster model, int observations, IReadOnlyList<TimedForecast> points)
    {
        Model = model;
        Observations = observations;
        Points = points;
    }

    /// <summary>The fitted model (kind, season length in steps, smoothing parameters, residual deviation).</summary>
    public Forecaster Model { get; }

    /// <summary>The number of steps the model was fitted on (after filling gaps).</summary>
    public int Observations { get; }

    /// <summary>The forecast, one point per step after the last observation up to the horizon.</summary>
    public IReadOnlyList<TimedForecast> Points { get; }

    /// <summary>
    /// Fits and forecasts. <paramref name="timesMs"/> must increase and lie on the grid of <paramref name="stepMs"/>
    /// from the first time (other times are rounded to the nearest step); non-finite values count as missing.
    /// <paramref name="nonNegative"/> null cuts forecasts and bounds at zero when no value is negative.
    /// </summary>
    /// <exception cref="ForecastException">Fewer than four finite values.</exception>
    public static StepForecast Fit(ReadOnlySpan<long> timesMs, ReadOnlySpan<double> values, long stepMs, long horizonMs, double level = 0.95, bool? nonNegative = null)
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
            throw new ForecastException("the series has no finite values");
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
            throw new ForecastException($"a forecast needs at least 4 values, the series has {finite}");
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
        int steps = (int)Math.Max(1, horizonMs / stepMs);
        var model = Forecaster.Fit(grid, steps, nonNegative: nonNegative);
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
