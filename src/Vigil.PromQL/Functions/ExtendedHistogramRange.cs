using Vigil.Core.Histograms;
using Vigil.PromQL.Engine;
using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Functions;

/// <summary>The <c>anchored</c> and <c>smoothed</c> modifiers over native histogram samples (see <see cref="ExtendedRange"/>).</summary>
internal static class ExtendedHistogramRange
{
    /// <summary>
    /// rate/increase/delta over an extended window of histograms: right boundary minus left boundary, plus what counter
    /// resets inside the range lost. Null (with a warning where Prometheus gives one) when there is no result.
    /// </summary>
    public static FloatHistogram? Rate(ReadOnlySpan<FPoint> f, long rangeStart, long rangeEnd, bool smoothed, bool isCounter, bool isRate,
        long rangeMs, RangeContext c)
    {
        int last = f.Length - 1;
        int first = Math.Max(0, ExtendedRange.FirstIndex(f, last, rangeStart, orEqual: false) - 1);
        if (smoothed)
        {
            last = ExtendedRange.FirstIndex(f, last, rangeEnd, orEqual: true);
        }
        if (f[last].T <= rangeStart || (smoothed && f[first].T > rangeEnd))
        {
            return null;
        }
        string metric = c.Metric.Name;
        var pos = c.Call.Args[0].Position;
        for (int i = first; i <= last; i++)
        {
            if (f[i].H is null)
            {
                c.Annotations.Warn(HistogramAnnotationText.MixedFloatsHistograms(metric), pos);
                return null;
            }
            if (f[i].H!.UsesCustomBuckets != f[first].H!.UsesCustomBuckets)
            {
                c.Annotations.Warn(HistogramAnnotationText.MixedExponentialCustom(metric), pos);
                return null;
            }
        }
        if (isCounter)
        {
            for (int i = first; i <= last; i++)
            {
                if (f[i].H!.CounterResetHint == CounterResetHint.Gauge)
                {
                    c.Annotations.Warn(HistogramAnnotationText.NotCounter(metric), pos);
                    break;
                }
            }
        }
        else if (f[first].H!.CounterResetHint != CounterResetHint.Gauge || f[last].H!.CounterResetHint != CounterResetHint.Gauge)
        {
            c.Annotations.Warn(HistogramAnnotationText.NotGauge(metric), pos);
        }
        bool leftInterpolated = smoothed && f[first].T < rangeStart;
        bool rightInterpolated = smoothed && last > 0 && f[last].T > rangeEnd;
        var left = leftInterpolated ? Interpolate(f[first], f[first + 1], rangeStart, isCounter) : f[first].H!;
        var right = rightInterpolated ? Interpolate(f[last - 1], f[last], rangeEnd, isCounter) : f[last].H!;
        if (left is null || right is null || !FloatHistogram.TryAdd(right, left, subtract: true, out var result, out _))
        {
            c.Annotations.Warn(HistogramAnnotationText.MixedExponentialCustom(metric), pos);
            return null;
        }
        if (isCounter)
        {
            // Note: the boundary values already account for a reset next to a boundary; only inner samples count here.
            bool rightInLoop = f[last].T < rangeEnd;
            if (f[first].T <= rangeStart)
            {
                first++;
            }
            if (!rightInLoop)
            {
                last--;
            }
            var prev = left;
            if (leftInterpolated && first <= last)
            {
                // Note: an interpolated left boundary already lies after a reset of the sample after it.
                prev = f[first].H!;
                first++;
            }
            for (int i = first; i <= last; i++)
            {
                var cur = f[i].H!;
                if (cur.DetectReset(prev) && !FloatHistogram.TryAdd(result, prev, subtract: false, out result, out _))
                {
                    return null;
                }
                prev = cur;
            }
            if (!rightInLoop && right.DetectReset(prev) && !FloatHistogram.TryAdd(result, prev, subtract: false, out result, out _))
            {
                return null;
            }
        }
        if (isRate)
        {
            result = result.Div(rangeMs / 1000.0);
        }
        result.CounterResetHint = CounterResetHint.Gauge;
        return result.Compact();
    }

    /// <summary>
    /// The histogram between two samples at <paramref name="t"/>, linearly; a counter reset between them makes the counter
    /// restart from zero. Null when one of them is a float or they mix exponential and custom buckets.
    /// </summary>
    public static FloatHistogram? Interpolate(FPoint p1, FPoint p2, long t, bool isCounter)
    {
        if (p1.H is null || p2.H is null || p1.H.UsesCustomBuckets != p2.H.UsesCustomBuckets)
        {
            return null;
        }
        double fraction = (double)(t - p1.T) / (p2.T - p1.T);
        FloatHistogram result;
        if (isCounter && p2.H.DetectReset(p1.H))
        {
            result = p2.H.Mul(fraction);
        }
        else if (!FloatHistogram.TryAdd(p1.H.Mul(1 - fraction), p2.H.Mul(fraction), subtract: false, out result, out _))
        {
            return null;
        }
        result.CounterResetHint = CounterResetHint.Unknown;
        return result;
    }

    /// <summary>
    /// A smoothed instant selector at <paramref name="t"/> over a window with histograms: the sample at <paramref name="t"/>,
    /// else the interpolation of its neighbours, else the last one before it. False (with a warning) for floats and
    /// histograms or exponential and custom buckets mixed across the neighbours.
    /// </summary>
    public static bool ValueAt(ReadOnlySpan<FPoint> f, long t, string metric, PositionRange position, Annotations annotations, out double value, out FloatHistogram? h)
    {
        value = 0;
        h = null;
        int next = ExtendedRange.FirstIndex(f, f.Length, t, orEqual: false);
        int prev = next - 1;
        if (prev < 0)
        {
            return false;
        }
        if (f[prev].T == t || next == f.Length)
        {
            (value, h) = (f[prev].F, f[prev].H);
            return true;
        }
        if (f[prev].H is null || f[next].H is null)
        {
            annotations.Warn(HistogramAnnotationText.MixedFloatsHistograms(metric), position);
            return false;
        }
        h = Interpolate(f[prev], f[next], t, isCounter: f[next].H!.CounterResetHint != CounterResetHint.Gauge);
        if (h is null)
        {
            annotations.Warn(HistogramAnnotationText.MixedExponentialCustom(metric), position);
            return false;
        }
        return true;
    }
}
