using Vigil.Core.Histograms;
using Vigil.Core.Storage;
using Vigil.PromQL.Engine;

namespace Vigil.PromQL.Functions;

/// <summary>
/// Range-vector functions over windows that contain native histogram samples (Prometheus's promql/functions.go):
/// rate/increase/delta, irate/idelta, sum/avg/last/first_over_time, changes and resets read histograms; functions that
/// only read timestamps see every sample; the rest read the float samples only.
/// </summary>
internal static class HistogramRangeFunctions
{
    /// <summary>
    /// Evaluates <paramref name="name"/> over a window holding at least one histogram sample. The result is a float
    /// (<paramref name="h"/> null) or a histogram; false means no output at this step.
    /// </summary>
    public static bool Eval(string name, ReadOnlySpan<FPoint> p, RangeContext c, RangeFunction floatFn, List<FPoint> scratch, out double f, out FloatHistogram? h)
    {
        f = 0;
        h = null;
        string metric = c.Metric.Name;
        var pos = c.Call.Args[0].Position;
        switch (name)
        {
            case "rate":
            case "increase":
            case "delta":
                if (HasFloat(p))
                {
                    c.Annotations.Warn(HistogramAnnotationText.MixedFloatsHistograms(metric), pos);
                    return false;
                }
                h = name != "delta" && c.StartTimes is { } sts
                    ? StartTimestampRate(p, c, sts, isRate: name == "rate")
                    : Rate(p, c, isCounter: name != "delta", isRate: name == "rate");
                return h is not null;
            case "irate":
            case "idelta":
                return InstantValue(p, c, name == "irate", out h);
            case "sum_over_time":
            case "avg_over_time":
                if (HasFloat(p))
                {
                    c.Annotations.Warn(HistogramAnnotationText.MixedFloatsHistograms(metric), pos);
                    return false;
                }
                h = name == "sum_over_time" ? Sum(p, c) : Avg(p, c);
                return h is not null;
            case "last_over_time":
                (f, h) = (p[^1].F, p[^1].H);
                return true;
            case "first_over_time":
                (f, h) = (p[0].F, p[0].H);
                return true;
            case "changes":
                f = Changes(p);
                return true;
            case "resets":
                f = Resets(p, c.StartTimes);
                return true;
            case "count_over_time":
            case "present_over_time":
            case "absent_over_time":
            case "ts_of_last_over_time":
            case "ts_of_first_over_time":
                return floatFn(p, c, out f);
        }
        scratch.Clear();
        foreach (var point in p)
        {
            if (point.H is null)
            {
                scratch.Add(point);
            }
        }
        if (scratch.Count == 0)
        {
            return false;
        }
        c.Annotations.Info(HistogramAnnotationText.IgnoredInMixedRange(metric), pos);
        return floatFn(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(scratch), c, out f);
    }

    private static bool HasFloat(ReadOnlySpan<FPoint> p)
    {
        foreach (var point in p)
        {
            if (point.H is null)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>rate/increase/delta of histogram samples, extrapolated as for floats.</summary>
    private static FloatHistogram? Rate(ReadOnlySpan<FPoint> p, RangeContext c, bool isCounter, bool isRate)
    {
        if (p.Length < 2)
        {
            return null;
        }
        string metric = c.Metric.Name;
        var pos = c.Call.Args[0].Position;
        var prev = p[0].H!;
        var last = p[^1].H!;
        bool custom = prev.UsesCustomBuckets;
        if (isCounter && (prev.CounterResetHint == CounterResetHint.Gauge || last.CounterResetHint == CounterResetHint.Gauge))
        {
            c.Annotations.Warn(HistogramAnnotationText.NotCounter(metric), pos);
        }
        if (isCounter && p[1].H!.DetectReset(prev))
        {
            // Note: a reset right after the first sample makes the first sample's layout irrelevant.
            prev = new FloatHistogram { Schema = p[1].H!.Schema, CustomValues = p[1].H!.CustomValues };
            custom = prev.UsesCustomBuckets;
        }
        if (last.UsesCustomBuckets != custom)
        {
            c.Annotations.Warn(HistogramAnnotationText.MixedExponentialCustom(metric), pos);
            return null;
        }
        for (int i = 1; i < p.Length - 1; i++)
        {
            var cur = p[i].H!;
            if (!isCounter)
            {
                continue;
            }
            if (cur.CounterResetHint == CounterResetHint.Gauge)
            {
                c.Annotations.Warn(HistogramAnnotationText.NotCounter(metric), pos);
            }
            if (cur.UsesCustomBuckets != custom)
            {
                c.Annotations.Warn(HistogramAnnotationText.MixedExponentialCustom(metric), pos);
                return null;
            }
        }
        bool reconciled = false;
        if (!FloatHistogram.TryAdd(last, prev, subtract: true, out var result, out bool r1))
        {
            c.Annotations.Warn(HistogramAnnotationText.MixedExponentialCustom(metric), pos);
            return null;
        }
        reconciled |= r1;
        if (isCounter)
        {
            var before = prev;
            for (int i = 1; i < p.Length; i++)
            {
                var cur = p[i].H!;
                if (cur.DetectReset(before))
                {
                    if (!FloatHistogram.TryAdd(result, before, subtract: false, out result, out bool r2))
                    {
                        c.Annotations.Warn(HistogramAnnotationText.MixedExponentialCustom(metric), pos);
                        return null;
                    }
                    reconciled |= r2;
                }
                before = cur;
            }
        }
        else if (p[0].H!.CounterResetHint != CounterResetHint.Gauge || last.CounterResetHint != CounterResetHint.Gauge)
        {
            c.Annotations.Warn(HistogramAnnotationText.NotGauge(metric), pos);
        }
        if (reconciled)
        {
            c.Annotations.Info(HistogramAnnotationText.MismatchedCustomBuckets("subtraction"), pos);
        }
        return Extrapolate(p, c, result, p[0].H!.Count, isCounter, isRate);
    }

    /// <summary>Prometheus's extrapolation of the change seen between the first and last sample to the whole range.</summary>
    private static FloatHistogram Extrapolate(ReadOnlySpan<FPoint> p, RangeContext c, FloatHistogram result, double firstCount, bool isCounter, bool isRate)
    {
        long rangeStart = c.Ts - (c.RangeMs + c.OffsetMs);
        long rangeEnd = c.Ts - c.OffsetMs;
        double durationToStart = (p[0].T - rangeStart) / 1000.0;
        double durationToEnd = (rangeEnd - p[^1].T) / 1000.0;
        double sampledInterval = (p[^1].T - p[0].T) / 1000.0;
        double average = sampledInterval / (p.Length - 1);
        double threshold = average * 1.1;
        if (durationToStart >= threshold)
        {
            durationToStart = average / 2;
        }
        if (isCounter && result.Count > 0 && firstCount >= 0)
        {
            double durationToZero = sampledInterval * (firstCount / result.Count);
            if (durationToZero < durationToStart)
            {
                durationToStart = durationToZero;
            }
        }
        if (durationToEnd >= threshold)
        {
            durationToEnd = average / 2;
        }
        double factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
        if (isRate)
        {
            factor /= c.RangeMs / 1000.0;
        }
        result = result.Mul(factor);
        result.CounterResetHint = CounterResetHint.Gauge;
        return result.Compact();
    }

    /// <summary>
    /// rate/increase of histograms with start timestamps (see the float version in <see cref="RangeFunctions"/>): a restart
    /// counts as a reset, a counter that started inside the range counts whole, and one that started just before its first
    /// sample is taken to be empty at its start time instead of extrapolating towards the range start.
    /// </summary>
    private static FloatHistogram? StartTimestampRate(ReadOnlySpan<FPoint> p, RangeContext c, IStartTimestampSeries sts, bool isRate)
    {
        long rangeStart = c.Ts - (c.RangeMs + c.OffsetMs);
        long rangeEnd = c.Ts - c.OffsetMs;
        long st0 = sts.StartTimestampAt(p[0].T);
        bool startedInRange = st0 != 0 && st0 > rangeStart && st0 != p[0].T && (p.Length == 1 || st0 < p[1].T);
        bool zeroAtStart = startedInRange && st0 < p[0].T;
        if (p.Length < 2 && !zeroAtStart)
        {
            return null;
        }
        if (!FloatHistogram.TryAdd(p[^1].H!, p[0].H!, subtract: true, out var result, out _))
        {
            c.Annotations.Warn(HistogramAnnotationText.MixedExponentialCustom(c.Metric.Name), c.Call.Args[0].Position);
            return null;
        }
        bool overlap = false;
        for (int i = 1; i < p.Length; i++)
        {
            long st = sts.StartTimestampAt(p[i].T);
            if (st != 0 && st < p[i - 1].T && st != sts.StartTimestampAt(p[i - 1].T))
            {
                overlap = true;
            }
            if ((p[i].H!.DetectReset(p[i - 1].H!) || RangeFunctions.StartedAgain(sts, p[i - 1], p[i]))
                && !FloatHistogram.TryAdd(result, p[i - 1].H!, subtract: false, out result, out _))
            {
                return null;
            }
        }
        if (overlap)
        {
            c.Annotations.Warn(AnnotationText.StartTimeOverlap(c.Metric.Name), c.Call.Args[0].Position);
        }
        if (startedInRange && !FloatHistogram.TryAdd(result, p[0].H!, subtract: false, out result, out _))
        {
            return null;
        }
        if (!zeroAtStart)
        {
            return Extrapolate(p, c, result, p[0].H!.Count, isCounter: true, isRate);
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
        result = result.Mul(factor);
        result.CounterResetHint = CounterResetHint.Gauge;
        return result.Compact();
    }

    private static bool InstantValue(ReadOnlySpan<FPoint> p, RangeContext c, bool isRate, out FloatHistogram? h)
    {
        h = null;
        if (p.Length < 2)
        {
            return false;
        }
        var prev = p[^2];
        var last = p[^1];
        string metric = c.Metric.Name;
        var pos = c.Call.Args[0].Position;
        if (prev.H is null || last.H is null)
        {
            c.Annotations.Warn(HistogramAnnotationText.MixedFloatsHistograms(metric), pos);
            return false;
        }
        if (isRate && (last.H.CounterResetHint == CounterResetHint.Gauge || prev.H.CounterResetHint == CounterResetHint.Gauge))
        {
            c.Annotations.Warn(HistogramAnnotationText.NotCounter(metric), pos);
        }
        if (!isRate && (last.H.CounterResetHint != CounterResetHint.Gauge || prev.H.CounterResetHint != CounterResetHint.Gauge))
        {
            c.Annotations.Warn(HistogramAnnotationText.NotGauge(metric), pos);
        }
        FloatHistogram result;
        if (isRate && (last.H.DetectReset(prev.H) || (c.StartTimes is { } sts && RangeFunctions.StartedAgain(sts, prev, last))))
        {
            result = last.H.Copy();
        }
        else if (!FloatHistogram.TryAdd(last.H, prev.H, subtract: true, out result, out bool reconciled))
        {
            c.Annotations.Warn(HistogramAnnotationText.MixedExponentialCustom(metric), pos);
            return false;
        }
        else if (reconciled)
        {
            c.Annotations.Info(HistogramAnnotationText.MismatchedCustomBuckets("subtraction"), pos);
        }
        long interval = last.T - prev.T;
        if (interval == 0)
        {
            return false;
        }
        if (isRate)
        {
            result = result.Div(interval / 1000.0);
        }
        result.CounterResetHint = CounterResetHint.Gauge;
        h = result.Compact();
        return true;
    }

    private static FloatHistogram? Sum(ReadOnlySpan<FPoint> p, RangeContext c)
    {
        var sum = p[0].H!.Copy();
        for (int i = 1; i < p.Length; i++)
        {
            if (!FloatHistogram.TryAdd(sum, p[i].H!, subtract: false, out sum, out bool reconciled))
            {
                c.Annotations.Warn(HistogramAnnotationText.MixedExponentialCustom(c.Metric.Name), c.Call.Args[0].Position);
                return null;
            }
            if (reconciled)
            {
                c.Annotations.Info(HistogramAnnotationText.MismatchedCustomBuckets("aggregation"), c.Call.Args[0].Position);
            }
        }
        return sum.Compact();
    }

    private static FloatHistogram? Avg(ReadOnlySpan<FPoint> p, RangeContext c)
    {
        var mean = p[0].H!.Copy();
        for (int i = 1; i < p.Length; i++)
        {
            double count = i + 1;
            if (!FloatHistogram.TryAdd(p[i].H!.Div(count), mean.Div(count), subtract: true, out var toAdd, out bool r1)
                || !FloatHistogram.TryAdd(mean, toAdd, subtract: false, out mean, out bool r2))
            {
                c.Annotations.Warn(HistogramAnnotationText.MixedExponentialCustom(c.Metric.Name), c.Call.Args[0].Position);
                return null;
            }
            if (r1 || r2)
            {
                c.Annotations.Info(HistogramAnnotationText.MismatchedCustomBuckets("aggregation"), c.Call.Args[0].Position);
            }
        }
        return mean.Compact();
    }

    private static double Changes(ReadOnlySpan<FPoint> p)
    {
        int changes = 0;
        for (int i = 1; i < p.Length; i++)
        {
            var a = p[i - 1];
            var b = p[i];
            if (a.H is null && b.H is null)
            {
                if (a.F != b.F && !(double.IsNaN(a.F) && double.IsNaN(b.F)))
                {
                    changes++;
                }
            }
            else if (a.H is null || b.H is null || !SameValue(a.H, b.H))
            {
                changes++;
            }
        }
        return changes;
    }

    private static bool SameValue(FloatHistogram a, FloatHistogram b) => a.ExactlyEqualsIgnoringHint(b);

    private static double Resets(ReadOnlySpan<FPoint> p, IStartTimestampSeries? sts)
    {
        int resets = 0;
        for (int i = 1; i < p.Length; i++)
        {
            var a = p[i - 1];
            var b = p[i];
            if (a.H is null && b.H is null && b.F < a.F)
            {
                resets++;
            }
            else if ((a.H is null) != (b.H is null))
            {
                // Note: a switch between float and histogram samples counts as a reset.
                resets++;
            }
            else if (a.H is not null && b.H is not null && (b.H.DetectReset(a.H) || (sts is not null && RangeFunctions.StartedAgain(sts, a, b))))
            {
                resets++;
            }
        }
        return resets;
    }
}
