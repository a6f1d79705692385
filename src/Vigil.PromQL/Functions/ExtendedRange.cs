using Vigil.PromQL.Engine;

namespace Vigil.PromQL.Functions;

/// <summary>
/// The <c>anchored</c> and <c>smoothed</c> range modifiers (Prometheus's <c>promql-extended-range-selectors</c>): the
/// window also holds samples up to one lookback delta before its start (and, smoothed, after its end), and the values at
/// the boundaries are the last sample at or before them (anchored) or interpolated between neighbours (smoothed).
/// </summary>
internal static class ExtendedRange
{
    /// <summary>The functions that accept <c>anchored</c>.</summary>
    public const string AnchoredFunctions = "changes, delta, increase, rate, resets";

    /// <summary>The functions that accept <c>smoothed</c>.</summary>
    public const string SmoothedFunctions = "delta, increase, rate";

    /// <summary>Null when the function accepts the modifier, else the error Prometheus reports.</summary>
    public static string? Unsupported(string function, bool anchored, bool smoothed)
    {
        if (anchored && function is not ("changes" or "delta" or "increase" or "rate" or "resets"))
        {
            return "anchored modifier can only be used with: " + AnchoredFunctions + " - not with " + function;
        }
        if (smoothed && function is not ("delta" or "increase" or "rate"))
        {
            return "smoothed modifier can only be used with: " + SmoothedFunctions + " - not with " + function;
        }
        return null;
    }

    /// <summary>
    /// <c>rate</c>/<c>increase</c>/<c>delta</c> over an extended window: the difference of the boundary values, plus the
    /// values lost to counter resets strictly inside the range when <paramref name="isCounter"/>; false when the window
    /// has no sample after the range start (or, smoothed, none before its end).
    /// </summary>
    public static bool Rate(ReadOnlySpan<FPoint> f, long rangeStart, long rangeEnd, bool smoothed, bool isCounter, bool isRate, long rangeMs, out double result)
    {
        result = 0;
        int last = f.Length - 1;
        int first = Math.Max(0, FirstIndex(f, last, rangeStart, orEqual: false) - 1);
        if (smoothed)
        {
            last = FirstIndex(f, last, rangeEnd, orEqual: true);
        }
        if (f[last].T <= rangeStart || (smoothed && f[first].T > rangeEnd))
        {
            return false;
        }
        double left = Left(f, first, rangeStart, smoothed, isCounter);
        double right = Right(f, last, rangeEnd, smoothed, isCounter);
        result = right - left;
        if (isCounter)
        {
            // Note: the boundary values already account for a reset next to a boundary; only inner samples count here.
            if (f[first].T <= rangeStart)
            {
                first++;
            }
            if (f[last].T >= rangeEnd)
            {
                last--;
            }
            double prev = left;
            for (int i = first; i <= last; i++)
            {
                if (f[i].F < prev)
                {
                    result += prev;
                }
                prev = f[i].F;
            }
            if (right < prev)
            {
                result += prev;
            }
        }
        if (isRate)
        {
            result /= rangeMs / 1000.0;
        }
        return true;
    }

    /// <summary>
    /// Trims an extended window back to <c>[rangeStart, rangeEnd]</c> with a point exactly on each boundary; the
    /// number of points written to <paramref name="output"/> (0 when no sample lies after the range start).
    /// </summary>
    public static int Extend(ReadOnlySpan<FPoint> f, long rangeStart, long rangeEnd, bool smoothed, List<FPoint> output)
    {
        output.Clear();
        if (f.Length == 0)
        {
            return 0;
        }
        int last = f.Length - 1;
        int first = Math.Max(0, FirstIndex(f, last, rangeStart, orEqual: false) - 1);
        if (smoothed)
        {
            last = FirstIndex(f, last, rangeEnd, orEqual: true);
        }
        if (f[last].T <= rangeStart)
        {
            return 0;
        }
        double left = Left(f, first, rangeStart, smoothed, isCounter: false);
        double right = Right(f, last, rangeEnd, smoothed, isCounter: false);
        // Note: an anchored boundary repeats the sample it comes from, histogram or float.
        var leftH = smoothed ? null : f[first].H;
        var rightH = smoothed ? null : f[last].H;
        if (f[first].T <= rangeStart)
        {
            first++;
        }
        if (f[last].T >= rangeEnd)
        {
            last--;
        }
        output.Add(new FPoint(rangeStart, left, leftH));
        for (int i = first; i <= last; i++)
        {
            output.Add(f[i]);
        }
        output.Add(new FPoint(rangeEnd, right, rightH));
        return output.Count;
    }

    /// <summary>
    /// The value of a <c>smoothed</c> instant selector at <paramref name="t"/>: the sample at <paramref name="t"/>, else
    /// the interpolation between the samples around it, else the last one before it; false when none is before it.
    /// </summary>
    public static bool ValueAt(ReadOnlySpan<FPoint> f, long t, out double value)
    {
        value = 0;
        int next = FirstIndex(f, f.Length, t, orEqual: false);
        int prev = next - 1;
        if (prev < 0)
        {
            return false;
        }
        value = f[prev].T == t || next == f.Length ? f[prev].F : Interpolate(f[prev], f[next], t, isCounter: false);
        return true;
    }

    private static double Left(ReadOnlySpan<FPoint> f, int first, long rangeStart, bool smoothed, bool isCounter)
        => smoothed && f[first].T < rangeStart ? Interpolate(f[first], f[first + 1], rangeStart, isCounter) : f[first].F;

    private static double Right(ReadOnlySpan<FPoint> f, int last, long rangeEnd, bool smoothed, bool isCounter)
        => smoothed && last > 0 && f[last].T > rangeEnd ? Interpolate(f[last - 1], f[last], rangeEnd, isCounter) : f[last].F;

    /// <summary>Linear interpolation; across a counter reset the counter is taken to restart from 0.</summary>
    private static double Interpolate(FPoint p1, FPoint p2, long t, bool isCounter)
    {
        double y1 = p1.F;
        if (isCounter && p2.F < y1)
        {
            y1 = 0;
        }
        return y1 + ((p2.F - y1) * (t - p1.T) / (p2.T - p1.T));
    }

    /// <summary>The smallest index below <paramref name="n"/> whose time is after (or at) <paramref name="t"/>, else <paramref name="n"/>.</summary>
    internal static int FirstIndex(ReadOnlySpan<FPoint> f, int n, long t, bool orEqual)
    {
        int lo = 0, hi = n;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            bool after = orEqual ? f[mid].T >= t : f[mid].T > t;
            if (after)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }
        return lo;
    }
}
