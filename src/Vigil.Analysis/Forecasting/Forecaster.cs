using MathNet.Numerics.Distributions;
using Vigil.Analysis.Statistics;

namespace Vigil.Analysis.Forecasting;

/// <summary>
/// Forecasts an evenly spaced series up to a horizon with prediction intervals calibrated on the series' own
/// multi-step errors.
/// </summary>
/// <remarks>
/// <para>Model choice: the candidates are simple exponential smoothing, Holt's (damped) linear trend and, when a season
/// is detected (autocorrelation), additive Holt–Winters with and without a (damped) trend, the seasonal naive forecast
/// and the seasonal median (each point the median of the last three seasons there, so one odd season is not repeated).
/// Each candidate's smoothing parameters come from a small grid; the smoothing models learn robustly (Gelper, Fried and
/// Croux 2010: each value's one-step error cut at two robust deviations), so a spike does not become level or season.
/// Every candidate is run over the history once, and from up to 40 forecast origins spread over its second half it
/// forecasts 1 … horizon steps ahead; the candidate with the smallest mean absolute error over those multi-step
/// forecasts wins. Choosing on one-step errors instead prefers a high level weight and a trend, which extrapolate noise
/// over a long horizon.</para>
/// <para>Intervals: the chosen model forecasts again from up to 400 origins over the second half of the history (the
/// recent behaviour, so a volatile or calm start does not set today's width); the signed errors, grouped by steps ahead
/// (neighbouring horizons pooled until at least 40 errors), give the interval's offsets as empirical quantiles
/// (split-conformal ranks), widened only to contain the point forecast. Beyond the longest horizon seen in the history
/// the last offsets grow with the square root of the horizon. With fewer than 40 errors at one step ahead the interval
/// is the normal one from the one-step residual deviation and the ETS variance formula.</para>
/// <para>Non-negative series: when the history has no negative value (rates of counters, counts, bytes, utilizations),
/// the forecast and both bounds are cut at zero.</para>
/// </remarks>
public sealed class Forecaster
{
    private const int SelectionOrigins = 40;
    private const int CalibrationOrigins = 400;
    private const int MinBucket = 40;
    private const int MaxCalibrationErrors = 2_000_000;

    // Note: the constants of Gelper, Fried and Croux (2010), "Robust forecasting with exponential and Holt–Winters
    // smoothing": Huber's ψ cut at 2, the biweight ρ with k = 2 and c = 2.52 (consistent at the normal), λσ = 0.1.
    private const double HuberK = 2;
    private const double BiweightC = 2.52;
    private const double ScaleLambda = 0.1;

    /// <summary>The seasons the seasonal median looks back over.</summary>
    private const int MedianSeasons = 3;

    private static readonly double[] s_sesAlphas = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0];
    private static readonly double[] s_holtAlphas = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9];
    private static readonly double[] s_betas = [0.01, 0.05, 0.1, 0.3];
    private static readonly double[] s_phis = [0.8, 0.9, 0.98, 1.0];
    private static readonly double[] s_hwAlphas = [0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7];
    private static readonly (double Beta, double Phi)[] s_hwTrends = [(0, 1), (0.01, 0.9), (0.01, 0.98), (0.01, 1), (0.05, 0.9), (0.05, 0.98), (0.05, 1)];
    private static readonly double[] s_gammas = [0.01, 0.05, 0.1, 0.3];

    private readonly Config _config;
    private readonly double _level;
    private readonly double _trend;
    private readonly double[] _season;
    private readonly int _observations;
    private readonly List<Bucket> _buckets;

    private Forecaster(Config config, double level, double trend, double[] season, int observations, double sigma, bool nonNegative, List<Bucket> buckets, int calibrationErrors, int seasonFound)
    {
        _config = config;
        _level = level;
        _trend = trend;
        _season = season;
        _observations = observations;
        ResidualStandardDeviation = sigma;
        NonNegative = nonNegative;
        _buckets = buckets;
        CalibrationErrors = calibrationErrors;
        DetectedPeriod = seasonFound;
    }

    /// <summary>The chosen model.</summary>
    public ForecastModelKind Kind => _config.Kind;

    /// <summary>The season length in points the model uses (0 = none).</summary>
    public int Period => _config.Kind is ForecastModelKind.HoltWinters or ForecastModelKind.SeasonalNaive or ForecastModelKind.SeasonalMedian ? _config.Period : 0;

    /// <summary>The season detected in the history (0 = none), whether or not the chosen model uses it.</summary>
    public int DetectedPeriod { get; }

    /// <summary>The level smoothing parameter (0 for the seasonal naive forecast).</summary>
    public double Alpha => _config.Alpha;

    /// <summary>The trend smoothing parameter (0 = no trend).</summary>
    public double Beta => _config.Beta;

    /// <summary>The trend damping factor (1 = undamped).</summary>
    public double Phi => _config.Phi;

    /// <summary>The season smoothing parameter (0 without a season).</summary>
    public double Gamma => _config.Gamma;

    /// <summary>The standard deviation of the one-step-ahead errors over the history.</summary>
    public double ResidualStandardDeviation { get; }

    /// <summary>Whether forecasts and bounds are cut at zero (the history had no negative value, or the caller said so).</summary>
    public bool NonNegative { get; }

    /// <summary>The number of multi-step errors the intervals were calibrated on (0: normal intervals from the residuals).</summary>
    public int CalibrationErrors { get; }

    /// <summary>
    /// Chooses and fits a model for forecasting <paramref name="horizon"/> steps after <paramref name="values"/>.
    /// <paramref name="period"/> −1 detects the season, 0 forbids one, a positive value forces it (when the history
    /// holds two cycles). <paramref name="nonNegative"/> null infers it from the history (no negative value).
    /// </summary>
    /// <exception cref="ForecastException">Fewer than four values, or a value that is not finite.</exception>
    public static Forecaster Fit(ReadOnlySpan<double> values, int horizon, int period = -1, bool? nonNegative = null)
    {
        int n = values.Length;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(horizon);
        if (n < 4)
        {
            throw new ForecastException($"a forecast needs at least 4 values, the series has {n}");
        }
        bool negative = false;
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new ForecastException($"value {i} of the series is not finite");
            }
            negative |= values[i] < 0;
        }
        int detected = period;
        if (period < 0)
        {
            detected = Seasonality.Detect(values, minPeriod: 2, maxPeriod: (int)(n / 2.5), minStrength: 0.3, minProminence: 0.2).Period;
            detected = detected > 0 ? Seasonality.Refine(values, detected) : 0;
        }
        int m = detected > 0 && n >= 2 * detected + 2 ? detected : 0;
        var candidates = Candidates(m);
        // Note: every candidate is judged on the same origins in the second half of the history (the recent behaviour),
        // and after two seasons (the seasonal state is initialised from them).
        int warm = m > 0 ? 2 * m : Math.Min(10, n / 2);
        int first = Math.Max(warm, n / 2);
        int[] selection = Origins(first, n, SelectionOrigins);
        var best = candidates[0];
        double bestError = double.PositiveInfinity;
        if (selection.Length > 0)
        {
            foreach (var c in candidates)
            {
                double error = Run(values, c, selection, horizon, null, out long count, out _, out _);
                if (count > 0 && error / count < bestError)
                {
                    bestError = error / count;
                    best = c;
                }
            }
        }
        else
        {
            // Note: too short to judge multi-step errors: the plainest model with a moderate level weight.
            best = new Config(ForecastModelKind.ExponentialSmoothing, 0, 0.3, 0, 1, 0);
        }
        // Note: the intervals are calibrated on the errors of the recent half of the history (the selection's origins),
        // where the series behaves most like what comes next: a volatile start (a burst of spikes weeks ago) or a
        // calm start does not set today's interval width.
        int[] calibration = Origins(first, n, Math.Clamp(MaxCalibrationErrors / horizon, 1, CalibrationOrigins));
        var errors = new double[calibration.Length * horizon];
        Array.Fill(errors, double.NaN);
        Run(values, best, calibration, horizon, errors, out long calibrated, out double sse, out var state);
        int oneStep = Math.Max(1, n - (best.Period > 0 ? best.Period : 1));
        var buckets = Buckets(errors, calibration.Length, horizon);
        return new Forecaster(best, state.Level, state.Trend, state.Season, n, Math.Sqrt(sse / oneStep), nonNegative ?? !negative,
            buckets, buckets.Count > 0 ? (int)calibrated : 0, detected);
    }

    /// <summary>Forecasts <paramref name="horizon"/> steps after the history with two-sided intervals at <paramref name="level"/>.</summary>
    public ForecastPoint[] Forecast(int horizon, double level = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(horizon);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(level, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(level, 1);
        var result = new ForecastPoint[horizon];
        double z = Normal.InvCDF(0, 1, 0.5 + (level / 2));
        double damp = 0, power = 1, variance = 1;
        int bucket = 0;
        double lastLow = 0, lastHigh = 0;
        int lastH = 0;
        for (int h = 1; h <= horizon; h++)
        {
            power *= _config.Phi;
            damp += power;
            double value = Point(h, damp);
            double low, high;
            if (_buckets.Count == 0)
            {
                if (h > 1)
                {
                    double c = Coefficient(h - 1);
                    variance += c * c;
                }
                high = z * ResidualStandardDeviation * Math.Sqrt(variance);
                low = -high;
            }
            else
            {
                while (bucket < _buckets.Count - 1 && h > _buckets[bucket].Last)
                {
                    bucket++;
                }
                var b = _buckets[bucket];
                if (h <= b.Last)
                {
                    low = Math.Min(0, b.Quantile((1 - level) / 2, upper: false));
                    high = Math.Max(0, b.Quantile((1 + level) / 2, upper: true));
                    (lastLow, lastHigh, lastH) = (low, high, h);
                }
                else
                {
                    // Note: past the longest horizon the history could check, uncertainty grows like a random walk's.
                    double grow = Math.Sqrt((double)h / lastH);
                    (low, high) = (lastLow * grow, lastHigh * grow);
                }
            }
            double lower = value + low, upper = value + high;
            if (NonNegative)
            {
                (value, lower, upper) = (Math.Max(0, value), Math.Max(0, lower), Math.Max(0, upper));
            }
            result[h - 1] = new ForecastPoint(h, value, lower, upper);
        }
        return result;
    }

    private double Point(int h, double damp)
    {
        if (_config.Kind == ForecastModelKind.SeasonalNaive)
        {
            int m = _config.Period;
            return _season[(_observations - 1 + h) % m];
        }
        if (_config.Kind == ForecastModelKind.SeasonalMedian)
        {
            // Note: _season holds the last MedianSeasons whole seasons in order; the three values at h's point of the season.
            int m = _config.Period, j = (h - 1) % m;
            return Median3(_season[j], _season[m + j], _season[(2 * m) + j]);
        }
        return _level + (damp * _trend) + (_config.Period > 0 ? _season[(_observations - 1 + h) % _config.Period] : 0);
    }

    /// <summary>The ETS(A,Ad,A) coefficient c_j of the h-step variance σ²(1 + Σ c_j²), used when there is no calibration.</summary>
    private double Coefficient(int j)
    {
        if (_config.Kind is ForecastModelKind.SeasonalNaive or ForecastModelKind.SeasonalMedian)
        {
            return j % _config.Period == 0 ? 1 : 0;
        }
        double damp = 0, power = 1;
        for (int i = 1; i <= j; i++)
        {
            power *= _config.Phi;
            damp += power;
        }
        return (_config.Alpha * (1 + (_config.Beta * damp))) + (_config.Period > 0 && j % _config.Period == 0 ? _config.Gamma : 0);
    }

    private static List<Config> Candidates(int m)
    {
        var list = new List<Config>();
        foreach (double a in s_sesAlphas)
        {
            list.Add(new Config(ForecastModelKind.ExponentialSmoothing, 0, a, 0, 1, 0));
        }
        foreach (double a in s_holtAlphas)
        {
            foreach (double b in s_betas)
            {
                foreach (double phi in s_phis)
                {
                    list.Add(new Config(ForecastModelKind.HoltLinear, 0, a, b, phi, 0));
                }
            }
        }
        if (m > 0)
        {
            list.Add(new Config(ForecastModelKind.SeasonalNaive, m, 0, 0, 1, 0));
            list.Add(new Config(ForecastModelKind.SeasonalMedian, m, 0, 0, 1, 0));
            foreach (double a in s_hwAlphas)
            {
                foreach (var (b, phi) in s_hwTrends)
                {
                    foreach (double g in s_gammas)
                    {
                        list.Add(new Config(ForecastModelKind.HoltWinters, m, a, b, phi, g));
                    }
                }
            }
        }
        return list;
    }

    /// <summary>Up to <paramref name="count"/> origins spread evenly over [first, n − 1] (an origin t forecasts values t, t + 1, …).</summary>
    private static int[] Origins(int first, int n, int count)
    {
        first = Math.Max(first, 1);
        int available = n - first;
        if (available <= 0)
        {
            return [];
        }
        count = Math.Min(count, available);
        var result = new int[count];
        for (int k = 0; k < count; k++)
        {
            result[k] = first + (int)((long)k * available / count);
        }
        return result;
    }

    /// <summary>
    /// Runs the model over <paramref name="y"/>; from each origin t (the state after t values) forecasts values t … t + horizon − 1
    /// and returns the sum of absolute errors (their number in <paramref name="count"/>). <paramref name="errors"/>, when given,
    /// receives the signed error of origin k at step h in <c>[k·horizon + h − 1]</c>.
    /// </summary>
    private static double Run(ReadOnlySpan<double> y, Config c, int[] origins, int horizon, double[]? errors, out long count, out double oneStepSse, out State final)
    {
        int n = y.Length, m = c.Period;
        double sum = 0;
        count = 0;
        oneStepSse = 0;
        int next = 0;
        if (c.Kind == ForecastModelKind.SeasonalMedian)
        {
            return RunSeasonalMedian(y, m, origins, horizon, errors, out count, out oneStepSse, out final);
        }
        if (c.Kind == ForecastModelKind.SeasonalNaive)
        {
            for (int t = m; t < n; t++)
            {
                while (next < origins.Length && origins[next] < t)
                {
                    next++;
                }
                if (next < origins.Length && origins[next] == t)
                {
                    int hmax = Math.Min(horizon, n - t);
                    for (int h = 1; h <= hmax; h++)
                    {
                        // Note: the value one or more whole seasons before, the latest one at or before t − 1.
                        int back = m * (((h - 1) / m) + 1);
                        double e = y[t + h - 1] - y[t + h - 1 - back];
                        sum += Math.Abs(e);
                        count++;
                        if (errors is not null)
                        {
                            errors[(next * horizon) + h - 1] = e;
                        }
                    }
                    next++;
                }
                double e1 = y[t] - y[t - m];
                oneStepSse += e1 * e1;
            }
            var last = new double[m];
            for (int t = n - m; t < n; t++)
            {
                last[t % m] = y[t];
            }
            final = new State(0, 0, last);
            return sum;
        }
        bool trended = c.Beta > 0;
        double level, trend = 0;
        var season = m > 0 ? new double[m] : [];
        int start;
        if (m > 0)
        {
            double firstMean = 0, secondMean = 0;
            for (int i = 0; i < m; i++)
            {
                firstMean += y[i];
                secondMean += y[m + i];
            }
            firstMean /= m;
            secondMean /= m;
            for (int i = 0; i < m; i++)
            {
                season[i] = y[i] - firstMean;
            }
            level = firstMean;
            if (trended)
            {
                trend = (secondMean - firstMean) / m;
                // Note: the first season's mean sits at its centre; the level is carried to its end.
                level += trend * ((m - 1) / 2.0);
            }
            start = m;
        }
        else
        {
            level = y[0];
            if (trended)
            {
                int k = Math.Min(n, 10) / 2;
                double a = 0, b = 0;
                for (int i = 0; i < k; i++)
                {
                    a += y[i];
                    b += y[k + i];
                }
                trend = (b - a) / (k * (double)k);
            }
            start = 1;
        }
        double alpha = c.Alpha, beta = c.Beta, phi = c.Phi, gamma = c.Gamma;
        double scaleFloor = ScaleFloor(y);
        double scale = InitialScale(y, m, scaleFloor);
        for (int t = start; t < n; t++)
        {
            while (next < origins.Length && origins[next] < t)
            {
                next++;
            }
            if (next < origins.Length && origins[next] == t)
            {
                int hmax = Math.Min(horizon, n - t);
                double damp = 0, power = 1;
                for (int h = 1; h <= hmax; h++)
                {
                    power *= phi;
                    damp += power;
                    double f = level + (trended ? damp * trend : 0) + (m > 0 ? season[(t - 1 + h) % m] : 0);
                    double e = y[t + h - 1] - f;
                    sum += Math.Abs(e);
                    count++;
                    if (errors is not null)
                    {
                        errors[(next * horizon) + h - 1] = e;
                    }
                }
                next++;
            }
            double s = m > 0 ? season[t % m] : 0;
            double damped = trended ? phi * trend : 0;
            double predicted = level + damped + s;
            double e1 = y[t] - predicted;
            oneStepSse += e1 * e1;
            // Note: robust smoothing (Gelper, Fried and Croux 2010): the state learns from the value with its one-step error
            // cut at HuberK robust deviations, so a spike, an outage or one odd season does not become level, trend or
            // season; the deviation itself follows the errors through a bounded (biweight) update, so a real level
            // shift widens it and is learnt within a few steps.
            double u = e1 / scale;
            scale = Math.Max(scaleFloor, Math.Sqrt(scale * scale * (1 + (ScaleLambda * (Biweight(u) - 1)))));
            double yt = predicted + (Math.Clamp(e1 / scale, -HuberK, HuberK) * scale);
            double newLevel = (alpha * (yt - s)) + ((1 - alpha) * (level + damped));
            if (trended)
            {
                trend = (beta * (newLevel - level)) + ((1 - beta) * damped);
            }
            if (m > 0)
            {
                season[t % m] = (gamma * (yt - newLevel)) + ((1 - gamma) * s);
            }
            level = newLevel;
        }
        final = new State(level, trended ? trend : 0, season);
        return sum;
    }

    /// <summary>
    /// <see cref="Run"/> for the seasonal median: the forecast of y[i] from origin t is the median of the three values
    /// one, two and three seasons before the latest whole season at or before t − 1. Origins before three seasons have no forecast.
    /// </summary>
    private static double RunSeasonalMedian(ReadOnlySpan<double> y, int m, int[] origins, int horizon, double[]? errors, out long count, out double oneStepSse, out State final)
    {
        int n = y.Length, span = MedianSeasons * m;
        double sum = 0;
        count = 0;
        oneStepSse = 0;
        int next = 0;
        for (int t = span; t < n; t++)
        {
            while (next < origins.Length && origins[next] < t)
            {
                next++;
            }
            if (next < origins.Length && origins[next] == t)
            {
                int hmax = Math.Min(horizon, n - t);
                for (int h = 1; h <= hmax; h++)
                {
                    int i = t + h - 1, back = m * (((h - 1) / m) + 1);
                    double e = y[i] - Median3(y[i - back], y[i - back - m], y[i - back - (2 * m)]);
                    sum += Math.Abs(e);
                    count++;
                    if (errors is not null)
                    {
                        errors[(next * horizon) + h - 1] = e;
                    }
                }
                next++;
            }
            double e1 = y[t] - Median3(y[t - m], y[t - (2 * m)], y[t - (3 * m)]);
            oneStepSse += e1 * e1;
        }
        var last = n >= span ? y[(n - span)..].ToArray() : new double[span];
        final = new State(0, 0, last);
        return sum;
    }

    private static double Median3(double a, double b, double c) => Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));

    /// <summary>The biweight ρ at <paramref name="u"/> with its cut at <see cref="HuberK"/>, scaled so its mean under the normal is 1.</summary>
    private static double Biweight(double u)
    {
        if (Math.Abs(u) >= HuberK)
        {
            return BiweightC;
        }
        double r = u / HuberK;
        double q = 1 - (r * r);
        return BiweightC * (1 - (q * q * q));
    }

    /// <summary>
    /// The starting robust deviation of the one-step errors: the median absolute (seasonal, when <paramref name="m"/> &gt; 0)
    /// difference over the first stretch of the series, as a normal deviation per step.
    /// </summary>
    private static double InitialScale(ReadOnlySpan<double> y, int m, double floor)
    {
        int lag = m > 0 ? m : 1;
        int count = Math.Min(y.Length - lag, Math.Max(lag, 50));
        if (count <= 0)
        {
            return floor;
        }
        var d = new double[count];
        for (int i = 0; i < count; i++)
        {
            d[i] = Math.Abs(y[i + lag] - y[i]);
        }
        Array.Sort(d);
        // Note: 1.4826 × median is the normal σ of a difference; a difference of two values has √2 times the σ of one.
        return Math.Max(floor, 1.4826 * d[count / 2] / Math.Sqrt(2));
    }

    /// <summary>
    /// The least robust deviation: a thousandth of the mean absolute step over the whole series, so a series that starts
    /// flat (a staircase, an idle counter) still learns a later change within a few steps instead of clipping it forever.
    /// </summary>
    private static double ScaleFloor(ReadOnlySpan<double> y)
    {
        double sum = 0, top = 0;
        for (int i = 1; i < y.Length; i++)
        {
            sum += Math.Abs(y[i] - y[i - 1]);
            top = Math.Max(top, Math.Abs(y[i]));
        }
        double mean = y.Length > 1 ? sum / (y.Length - 1) : 0;
        return Math.Max(mean / 1000, Math.Max(top, 1) * 1e-12);
    }

    /// <summary>Groups the errors by steps ahead: neighbouring horizons pooled until each group holds enough errors.</summary>
    private static List<Bucket> Buckets(double[] errors, int origins, int horizon)
    {
        var buckets = new List<Bucket>();
        var pool = new List<double>();
        int firstH = 1;
        for (int h = 1; h <= horizon; h++)
        {
            for (int k = 0; k < origins; k++)
            {
                double e = errors[(k * horizon) + h - 1];
                if (!double.IsNaN(e))
                {
                    pool.Add(e);
                }
            }
            // Note: a group spans at least a tenth of its first horizon, so far horizons are not split into noisy slivers.
            if (pool.Count >= MinBucket && h >= firstH + (firstH / 10))
            {
                var sorted = pool.ToArray();
                Array.Sort(sorted);
                buckets.Add(new Bucket(h, sorted));
                pool.Clear();
                firstH = h + 1;
            }
        }
        return buckets;
    }

    private readonly record struct Config(ForecastModelKind Kind, int Period, double Alpha, double Beta, double Phi, double Gamma);

    private readonly record struct State(double Level, double Trend, double[] Season);

    /// <summary>The sorted signed errors of the horizons up to <see cref="Last"/> (from the previous bucket's end).</summary>
    private sealed class Bucket(int last, double[] sorted)
    {
        public int Last { get; } = last;

        /// <summary>The error quantile at <paramref name="p"/> by split-conformal rank (rounded outwards, so coverage is at least nominal).</summary>
        public double Quantile(double p, bool upper)
        {
            int count = sorted.Length;
            int rank = upper ? (int)Math.Ceiling(p * (count + 1)) : (int)Math.Floor(p * (count + 1));
            return sorted[Math.Clamp(rank - 1, 0, count - 1)];
        }
    }
}
