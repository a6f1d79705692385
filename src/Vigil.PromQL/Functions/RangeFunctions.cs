using System.Collections.Frozen;
using System.Globalization;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.PromQL.Ast;
using Vigil.PromQL.Engine;

namespace Vigil.PromQL.Functions;

/// <summary>What a range-vector function sees at one step besides the points of one series.</summary>
internal sealed class RangeContext
{
    public RangeContext(Call call, Annotations annotations, int argCount)
    {
        Call = call;
        Annotations = annotations;
        ScalarArgs = new double[argCount];
    }

    public Call Call { get; }

    public Annotations Annotations { get; }

    /// <summary>Evaluation time of the step (ms).</summary>
    public long Ts { get; set; }

    /// <summary>Range of the selector (ms).</summary>
    public long RangeMs { get; set; }

    /// <summary>Effective offset of the selector (ms).</summary>
    public long OffsetMs { get; set; }

    /// <summary>Values of the scalar arguments at this step, by argument position.</summary>
    public double[] ScalarArgs { get; }

    /// <summary>Labels of the input series.</summary>
    public LabelSet Metric { get; set; } = LabelSet.Empty;

    /// <summary>False when the caller knows the points never decrease (no counter resets to look for).</summary>
    public bool MayDecrease { get; set; } = true;

    /// <summary>The start timestamps of the input series' samples, when its storage keeps them (not through subqueries).</summary>
    public Vigil.Core.Storage.IStartTimestampSeries? StartTimes { get; set; }
}

/// <summary>Computes one output value from the points of one series in the window; false means no output.</summary>
internal delegate bool RangeFunction(ReadOnlySpan<FPoint> points, RangeContext ctx, out double result);

/// <summary>The range-vector functions (rate, *_over_time, deriv, …) for float samples (Prometheus's promql/functions.go).</summary>
internal static class RangeFunctions
{
    public static readonly FrozenDictionary<string, RangeFunction> All = new Dictionary<string, RangeFunction>
    {
        ["rate"] = (p, c, out r) => ExtrapolatedRate(p, c, isCounter: true, isRate: true, out r),
        ["increase"] = (p, c, out r) => ExtrapolatedRate(p, c, isCounter: true, isRate: false, out r),
        ["delta"] = (p, c, out r) => ExtrapolatedRate(p, c, isCounter: false, isRate: false, out r),
        ["irate"] = (p, c, out r) => InstantValue(p, isRate: true, c.StartTimes, out r),
        ["idelta"] = (p, c, out r) => InstantValue(p, isRate: false, null, out r),
        ["avg_over_time"] = AvgOverTime,
        ["count_over_time"] = (p, c, out r) => Set(p.Length, out r),
        ["sum_over_time"] = SumOverTime,
        ["min_over_time"] = (p, c, out r) => CompareOverTime(p, static (cur, m) => cur < m || double.IsNaN(m), false, out r),
        ["max_over_time"] = (p, c, out r) => CompareOverTime(p, static (cur, m) => cur > m || double.IsNaN(m), false, out r),
        ["ts_of_min_over_time"] = (p, c, out r) => CompareOverTime(p, static (cur, m) => cur <= m || double.IsNaN(m), true, out r),
        ["ts_of_max_over_time"] = (p, c, out r) => CompareOverTime(p, static (cur, m) => cur >= m || double.IsNaN(m), true, out r),
        ["last_over_time"] = (p, c, out r) => Set(p[^1].F, out r),
        ["first_over_time"] = (p, c, out r) => Set(p[0].F, out r),
        ["ts_of_last_over_time"] = (p, c, out r) => Set(p[^1].T / 1000.0, out r),
        ["ts_of_first_over_time"] = (p, c, out r) => Set(p[0].T / 1000.0, out r),
        ["present_over_time"] = (p, c, out r) => Set(1, out r),
        ["absent_over_time"] = (p, c, out r) => Set(1, out r),
        ["stddev_over_time"] = (p, c, out r) => Set(Math.Sqrt(Variance(p)), out r),
        ["stdvar_over_time"] = (p, c, out r) => Set(Variance(p), out r),
        ["quantile_over_time"] = QuantileOverTime,
        ["mad_over_time"] = MadOverTime,
        ["changes"] = Changes,
        ["resets"] = Resets,
        ["deriv"] = Deriv,
        ["predict_linear"] = PredictLinear,
        ["double_exponential_smoothing"] = DoubleExponentialSmoothing,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static bool Set(double v, out double r)
    {
        r = v;
        return true;
    }

    /// <summary>rate/increase/delta with Prometheus's extrapolation towards the range boundaries.</summary>
    private static bool ExtrapolatedRate(ReadOnlySpan<FPoint> p, RangeContext c, bool isCounter, bool isRate, out double result)
    {
        result = 0;
        if (p.Length < 2 && !(isCounter && c.StartTimes is not null && p.Length == 1))
        {
            return false;
        }
        long rangeStart = c.Ts - (c.RangeMs + c.OffsetMs);
        long rangeEnd = c.Ts - c.OffsetMs;
        double value = p[^1].F - p[0].F;
        if (isCounter && c.StartTimes is { } sts)
        {
            return StartTimestampRate(p, c, sts, rangeStart, rangeEnd, isRate, out result);
        }
        if (isCounter && c.MayDecrease)
        {
            for (int i = 1; i < p.Length; i++)
            {
                if (p[i].F < p[i - 1].F)
                {
                    value += p[i - 1].F;
                }
            }
        }
        result = Extrapolate(p, c, rangeStart, rangeEnd, value, isCounter, isRate);
        return true;
    }

    /// <summary>Prometheus's extrapolation of the change <paramref name="value"/> seen between the first and last sample to the whole range.</summary>
    private static double Extrapolate(ReadOnlySpan<FPoint> p, RangeContext c, long rangeStart, long rangeEnd, double value, bool isCounter, bool isRate)
    {
        long firstT = p[0].T;
        long lastT = p[^1].T;
        double durationToStart = (firstT - rangeStart) / 1000.0;
        double durationToEnd = (rangeEnd - lastT) / 1000.0;
        double sampledInterval = (lastT - firstT) / 1000.0;
        double averageDurationBetweenSamples = sampledInterval / (p.Length - 1);
        double extrapolationThreshold = averageDurationBetweenSamples * 1.1;
        if (durationToStart >= extrapolationThreshold)
        {
            durationToStart = averageDurationBetweenSamples / 2;
        }
        if (isCounter)
        {
            double durationToZero = durationToStart;
            if (value > 0 && p[0].F >= 0)
            {
                durationToZero = sampledInterval * (p[0].F / value);
            }
            if (durationToZero < durationToStart)
            {
                durationToStart = durationToZero;
            }
        }
        if (durationToEnd >= extrapolationThreshold)
        {
            durationToEnd = averageDurationBetweenSamples / 2;
        }
        double factor = 1.0;
        if (sampledInterval != 0)
        {
            factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
        }
        if (isRate)
        {
            factor /= c.RangeMs / 1000.0;
        }
        return value * factor;
    }

    /// <summary>
    /// A start timestamp at or after the previous sample, while the previous sample's own start was known and before it,
    /// means the counter started again (a delta sample, or a restart): a reset like a decrease.
    /// </summary>
    internal static bool StartedAgain(IStartTimestampSeries sts, FPoint prev, FPoint cur)
    {
        long st = sts.StartTimestampAt(cur.T);
        long prevSt = sts.StartTimestampAt(prev.T);
        return st != 0 && st >= prev.T && prevSt != 0 && prevSt < prev.T;
    }

    /// <summary>
    /// rate/increase over samples with start timestamps: a restart counts as a reset, and when the first sample's
    /// counter started inside the range its whole value is increase; if it started before that sample, the counter is
    /// taken to be 0 at its start time instead of extrapolating towards the range start.
    /// </summary>
    private static bool StartTimestampRate(ReadOnlySpan<FPoint> p, RangeContext c, IStartTimestampSeries sts, long rangeStart, long rangeEnd, bool isRate, out double result)
    {
        result = 0;
        long st0 = sts.StartTimestampAt(p[0].T);
        bool startedInRange = st0 != 0 && st0 > rangeStart && st0 != p[0].T && (p.Length == 1 || st0 < p[1].T);
        bool zeroAtStart = startedInRange && st0 < p[0].T;
        if (p.Length < 2 && !zeroAtStart)
        {
            return false;
        }
        double value = p[^1].F - p[0].F;
        bool overlap = false;
        for (int i = 1; i < p.Length; i++)
        {
            long st = sts.StartTimestampAt(p[i].T);
            if (st != 0 && st < p[i - 1].T && st != sts.StartTimestampAt(p[i - 1].T))
            {
                overlap = true;
            }
            if (p[i].F < p[i - 1].F || StartedAgain(sts, p[i - 1], p[i]))
            {
                value += p[i - 1].F;
            }
        }
        if (overlap)
        {
            c.Annotations.Warn(AnnotationText.StartTimeOverlap(c.Metric.Name), c.Call.Args[0].Position);
        }
        if (startedInRange)
        {
            value += p[0].F;
        }
        if (!zeroAtStart)
        {
            result = Extrapolate(p, c, rangeStart, rangeEnd, value, isCounter: true, isRate);
            return true;
        }
        long lastT = p[^1].T;
        double sampledInterval = (lastT - st0) / 1000.0;
        double durationToEnd = 0;
        if (p.Length > 1)
        {
            double average = (lastT - p[0].T) / 1000.0 / (p.Length - 1);
            durationToEnd = (rangeEnd - lastT) / 1000.0;
            if (durationToEnd >= average * 1.1)
            {
                durationToEnd = average / 2;
            }
        }
        double factor = sampledInterval != 0 ? (sampledInterval + durationToEnd) / sampledInterval : 1;
        if (isRate)
        {
            factor /= c.RangeMs / 1000.0;
        }
        result = value * factor;
        return true;
    }

    /// <summary>irate/idelta from the last two samples; a restart by start timestamp is a reset for irate.</summary>
    private static bool InstantValue(ReadOnlySpan<FPoint> p, bool isRate, IStartTimestampSeries? sts, out double result)
    {
        result = 0;
        if (p.Length < 2)
        {
            return false;
        }
        var last = p[^1];
        var prev = p[^2];
        long sampledInterval = last.T - prev.T;
        if (sampledInterval == 0)
        {
            return false;
        }
        result = last.F;
        bool reset = last.F < prev.F || (sts is not null && StartedAgain(sts, prev, last));
        if (!isRate || !reset)
        {
            result = last.F - prev.F;
        }
        if (isRate)
        {
            result /= sampledInterval / 1000.0;
        }
        return true;
    }

    private static bool AvgOverTime(ReadOnlySpan<FPoint> p, RangeContext c, out double result)
    {
        double sum = p[0].F, count = 1, mean = 0, kahanC = 0;
        bool incremental = false;
        for (int i = 1; i < p.Length; i++)
        {
            double f = p[i].F;
            count = i + 1;
            if (!incremental)
            {
                var (newSum, newC) = KahanSum.Inc(f, sum, kahanC);
                if (!double.IsInfinity(newSum))
                {
                    sum = newSum;
                    kahanC = newC;
                    continue;
                }
                incremental = true;
                mean = sum / (count - 1);
                kahanC /= count - 1;
            }
            double q = (count - 1) / count;
            (mean, kahanC) = KahanSum.Inc(f / count, q * mean, q * kahanC);
        }
        result = incremental ? mean + kahanC : (sum / count) + (kahanC / count);
        return true;
    }

    private static bool SumOverTime(ReadOnlySpan<FPoint> p, RangeContext c, out double result)
    {
        double sum = 0, comp = 0;
        foreach (var pt in p)
        {
            (sum, comp) = KahanSum.Inc(pt.F, sum, comp);
        }
        result = double.IsInfinity(sum) ? sum : sum + comp;
        return true;
    }

    private static bool CompareOverTime(ReadOnlySpan<FPoint> p, Func<double, double, bool> better, bool returnTimestamp, out double result)
    {
        double best = p[0].F;
        long ts = p[0].T;
        foreach (var pt in p)
        {
            if (better(pt.F, best))
            {
                best = pt.F;
                ts = pt.T;
            }
        }
        result = returnTimestamp ? ts / 1000.0 : best;
        return true;
    }

    private static double Variance(ReadOnlySpan<FPoint> p)
    {
        double count = 0, mean = 0, cMean = 0, aux = 0, cAux = 0;
        foreach (var pt in p)
        {
            count++;
            double delta = pt.F - (mean + cMean);
            (mean, cMean) = KahanSum.Inc(delta / count, mean, cMean);
            (aux, cAux) = KahanSum.Inc(delta * (pt.F - (mean + cMean)), aux, cAux);
        }
        return (aux + cAux) / count;
    }

    private static bool QuantileOverTime(ReadOnlySpan<FPoint> p, RangeContext c, out double result)
    {
        double q = c.ScalarArgs[0];
        if (double.IsNaN(q) || q < 0 || q > 1)
        {
            c.Annotations.Warn(AnnotationText.InvalidQuantile(q), c.Call.Args[0].Position);
        }
        var values = new double[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            values[i] = p[i].F;
        }
        result = Quantiles.Quantile(q, values);
        return true;
    }

    private static bool MadOverTime(ReadOnlySpan<FPoint> p, RangeContext c, out double result)
    {
        var values = new double[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            if (double.IsNaN(p[i].F))
            {
                result = double.NaN;
                return true;
            }
            values[i] = p[i].F;
        }
        double median = Quantiles.Quantile(0.5, values);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Math.Abs(values[i] - median);
        }
        result = Quantiles.Quantile(0.5, values);
        return true;
    }

    private static bool Changes(ReadOnlySpan<FPoint> p, RangeContext c, out double result)
    {
        int changes = 0;
        for (int i = 1; i < p.Length; i++)
        {
            double cur = p[i].F, prev = p[i - 1].F;
            if (cur != prev && !(double.IsNaN(cur) && double.IsNaN(prev)))
            {
                changes++;
            }
        }
        result = changes;
        return true;
    }

    private static bool Resets(ReadOnlySpan<FPoint> p, RangeContext c, out double result)
    {
        int resets = 0;
        for (int i = 1; (c.MayDecrease || c.StartTimes is not null) && i < p.Length; i++)
        {
            if (p[i].F < p[i - 1].F || (c.StartTimes is { } sts && StartedAgain(sts, p[i - 1], p[i])))
            {
                resets++;
            }
        }
        result = resets;
        return true;
    }

    /// <summary>Least-squares fit; returns slope and the intercept at <paramref name="interceptTime"/>.</summary>
    private static (double Slope, double Intercept) LinearRegression(ReadOnlySpan<FPoint> p, long interceptTime)
    {
        double n = 0, sumX = 0, cX = 0, sumY = 0, cY = 0, sumXY = 0, cXY = 0, sumX2 = 0, cX2 = 0;
        double initY = p[0].F;
        bool constY = true;
        for (int i = 0; i < p.Length; i++)
        {
            var s = p[i];
            if (constY && i > 0 && s.F != initY)
            {
                constY = false;
            }
            n += 1.0;
            double x = (s.T - interceptTime) / 1e3;
            (sumX, cX) = KahanSum.Inc(x, sumX, cX);
            (sumY, cY) = KahanSum.Inc(s.F, sumY, cY);
            (sumXY, cXY) = KahanSum.Inc(x * s.F, sumXY, cXY);
            (sumX2, cX2) = KahanSum.Inc(x * x, sumX2, cX2);
        }
        if (constY)
        {
            if (double.IsInfinity(initY))
            {
                return (double.NaN, double.NaN);
            }
            return (0, initY);
        }
        sumX += cX;
        sumY += cY;
        sumXY += cXY;
        sumX2 += cX2;
        double covXY = sumXY - (sumX * sumY / n);
        double varX = sumX2 - (sumX * sumX / n);
        double slope = covXY / varX;
        double intercept = (sumY / n) - (slope * sumX / n);
        return (slope, intercept);
    }

    private static bool Deriv(ReadOnlySpan<FPoint> p, RangeContext c, out double result)
    {
        result = 0;
        if (p.Length < 2)
        {
            return false;
        }
        result = LinearRegression(p, p[0].T).Slope;
        return true;
    }

    private static bool PredictLinear(ReadOnlySpan<FPoint> p, RangeContext c, out double result)
    {
        result = 0;
        if (p.Length < 2)
        {
            return false;
        }
        var (slope, intercept) = LinearRegression(p, c.Ts);
        result = (slope * c.ScalarArgs[1]) + intercept;
        return true;
    }

    private static bool DoubleExponentialSmoothing(ReadOnlySpan<FPoint> p, RangeContext c, out double result)
    {
        result = 0;
        double sf = c.ScalarArgs[1];
        double tf = c.ScalarArgs[2];
        if (sf <= 0 || sf >= 1)
        {
            throw Evaluator.Error("invalid smoothing factor. Expected: 0 < sf < 1, got: " + sf.ToString("F6", CultureInfo.InvariantCulture));
        }
        if (tf <= 0 || tf >= 1)
        {
            throw Evaluator.Error("invalid trend factor. Expected: 0 < tf < 1, got: " + tf.ToString("F6", CultureInfo.InvariantCulture));
        }
        if (p.Length < 2)
        {
            return false;
        }
        double s0 = 0, s1 = p[0].F, b = p[1].F - p[0].F;
        for (int i = 1; i < p.Length; i++)
        {
            double x = sf * p[i].F;
            b = TrendValue(i - 1, tf, s0, s1, b);
            double y = (1 - sf) * (s1 + b);
            s0 = s1;
            s1 = x + y;
        }
        result = s1;
        return true;
    }

    private static double TrendValue(int i, double tf, double s0, double s1, double b)
        => i == 0 ? b : (tf * (s1 - s0)) + ((1 - tf) * b);
}
