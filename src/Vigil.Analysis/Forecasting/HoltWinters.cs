using MathNet.Numerics.Distributions;
using Vigil.Analysis.Statistics;

namespace Vigil.Analysis.Forecasting;

/// <summary>
/// Additive Holt–Winters (level, trend and a season detected from the data, or Holt's linear method when there is none),
/// with smoothing parameters chosen by grid search on the one-step-ahead squared error, and prediction intervals from the
/// ETS(A,A,A) variance formula.
/// </summary>
public sealed class HoltWinters
{
    private static readonly double[] s_alphas = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
    private static readonly double[] s_betas = [0.0, 0.01, 0.05, 0.1, 0.2, 0.3];
    private static readonly double[] s_gammas = [0.01, 0.05, 0.1, 0.2, 0.3, 0.5];

    private readonly double[] _season;

    private HoltWinters(int period, double alpha, double beta, double gamma, double level, double trend, double[] season, double sigma)
    {
        Period = period;
        Alpha = alpha;
        Beta = beta;
        Gamma = gamma;
        Level = level;
        Trend = trend;
        _season = season;
        ResidualStandardDeviation = sigma;
    }

    /// <summary>The season length in points (0 = no season).</summary>
    public int Period { get; }

    /// <summary>The level smoothing parameter.</summary>
    public double Alpha { get; }

    /// <summary>The trend smoothing parameter.</summary>
    public double Beta { get; }

    /// <summary>The season smoothing parameter (unused without a season).</summary>
    public double Gamma { get; }

    /// <summary>The level after the last observation.</summary>
    public double Level { get; }

    /// <summary>The trend per step after the last observation.</summary>
    public double Trend { get; }

    /// <summary>The standard deviation of the one-step-ahead errors.</summary>
    public double ResidualStandardDeviation { get; }

    /// <summary>
    /// Fits the model to evenly spaced values. <paramref name="period"/> = −1 detects the season (autocorrelation),
    /// 0 forces none; a season needs at least two full cycles.
    /// </summary>
    public static HoltWinters Fit(ReadOnlySpan<double> values, int period = -1)
    {
        int n = values.Length;
        if (n < 4)
        {
            throw new ArgumentException($"Holt–Winters needs at least 4 points, got {n}.", nameof(values));
        }
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new ArgumentException($"value {i} is not finite.", nameof(values));
            }
        }
        if (period < 0)
        {
            period = Seasonality.Detect(values, minPeriod: 2, maxPeriod: n / 3, minStrength: 0.3).Period;
        }
        if (period > 0 && n < 2 * period)
        {
            throw new ArgumentException($"a season of {period} points needs at least {2 * period} values, got {n}.", nameof(period));
        }
        double bestSse = double.PositiveInfinity;
        (double A, double B, double G) best = (0.5, 0.1, 0.1);
        var gammas = period > 0 ? s_gammas : [0.0];
        foreach (double a in s_alphas)
        {
            foreach (double b in s_betas)
            {
                foreach (double g in gammas)
                {
                    double sse = Run(values, period, a, b, g, null, out _, out _);
                    if (sse < bestSse)
                    {
                        bestSse = sse;
                        best = (a, b, g);
                    }
                }
            }
        }
        var season = new double[Math.Max(period, 1)];
        double finalSse = Run(values, period, best.A, best.B, best.G, season, out double level, out double trend);
        int start = period > 0 ? period : 1;
        double sigma = Math.Sqrt(finalSse / Math.Max(1, n - start));
        return new HoltWinters(period, best.A, best.B, best.G, level, trend, season, sigma);
    }

    /// <summary>Forecasts <paramref name="horizon"/> steps ahead with two-sided prediction intervals at <paramref name="level"/>.</summary>
    public ForecastPoint[] Forecast(int horizon, double level = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(horizon);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(level, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(level, 1);
        double z = Normal.InvCDF(0, 1, 0.5 + (level / 2));
        var result = new ForecastPoint[horizon];
        double sumSquares = 0;
        for (int h = 1; h <= horizon; h++)
        {
            double value = Level + (h * Trend) + (Period > 0 ? _season[(h - 1) % Period] : 0);
            // Note: var(h) = σ²·(1 + Σ_{j<h} c_j²), c_j = α(1 + jβ) + γ·[j mod m = 0] (Hyndman et al., ETS(A,A,A)).
            if (h > 1)
            {
                int j = h - 1;
                double c = (Alpha * (1 + (j * Beta))) + (Period > 0 && j % Period == 0 ? Gamma : 0);
                sumSquares += c * c;
            }
            double half = z * ResidualStandardDeviation * Math.Sqrt(1 + sumSquares);
            result[h - 1] = new ForecastPoint(h, value, value - half, value + half);
        }
        return result;
    }

    /// <summary>Runs the recursions; returns the one-step SSE. When <paramref name="seasonOut"/> is given, it receives the season aligned to the next step.</summary>
    private static double Run(ReadOnlySpan<double> y, int m, double alpha, double beta, double gamma, double[]? seasonOut, out double level, out double trend)
    {
        int n = y.Length;
        double sse = 0;
        if (m <= 0)
        {
            level = y[0];
            trend = y[1] - y[0];
            for (int t = 1; t < n; t++)
            {
                double forecast = level + trend;
                double e = y[t] - forecast;
                sse += e * e;
                double newLevel = (alpha * y[t]) + ((1 - alpha) * (level + trend));
                trend = (beta * (newLevel - level)) + ((1 - beta) * trend);
                level = newLevel;
            }
            return sse;
        }
        Span<double> season = m <= 1024 ? stackalloc double[m] : new double[m];
        double first = 0, second = 0;
        for (int i = 0; i < m; i++)
        {
            first += y[i];
            second += y[m + i];
        }
        first /= m;
        second /= m;
        level = first;
        trend = (second - first) / m;
        for (int i = 0; i < m; i++)
        {
            season[i] = y[i] - first;
        }
        // Note: the first season initialises the state; level is aligned to the end of it (centre-to-end shift of the trend).
        level = first + (trend * ((m - 1) / 2.0));
        for (int t = m; t < n; t++)
        {
            int s = t % m;
            double forecast = level + trend + season[s];
            double e = y[t] - forecast;
            sse += e * e;
            double newLevel = (alpha * (y[t] - season[s])) + ((1 - alpha) * (level + trend));
            trend = (beta * (newLevel - level)) + ((1 - beta) * trend);
            season[s] = (gamma * (y[t] - newLevel)) + ((1 - gamma) * season[s]);
            level = newLevel;
        }
        if (seasonOut is not null)
        {
            for (int h = 0; h < m; h++)
            {
                seasonOut[h] = season[(n + h) % m];
            }
        }
        return sse;
    }
}
