namespace Vigil.PromQL.Functions;

/// <summary>A bucket of a classic histogram: upper bound (<c>le</c>) and cumulative count.</summary>
internal record struct Bucket(double UpperBound, double Count);

/// <summary>Quantile estimation over values and classic histogram buckets (Prometheus's promql/quantile.go).</summary>
internal static class Quantiles
{
    /// <summary>Relative deltas between buckets below this are float noise and ignored.</summary>
    private const double SmallDeltaTolerance = 1e-12;

    /// <summary>
    /// The φ-quantile of the values with linear interpolation between closest ranks; NaN for no values or NaN φ,
    /// -Inf for φ &lt; 0, +Inf for φ &gt; 1. Sorts <paramref name="values"/> in place.
    /// </summary>
    public static double Quantile(double q, Span<double> values)
    {
        if (values.Length == 0 || double.IsNaN(q))
        {
            return double.NaN;
        }
        if (q < 0)
        {
            return double.NegativeInfinity;
        }
        if (q > 1)
        {
            return double.PositiveInfinity;
        }
        // Note: Go sorts NaN first (vectorByValueHeap.Less treats NaN as smallest).
        values.Sort(static (a, b) => double.IsNaN(a) ? (double.IsNaN(b) ? 0 : -1) : double.IsNaN(b) ? 1 : a.CompareTo(b));
        double n = values.Length;
        double rank = q * (n - 1);
        double lower = Math.Max(0, Math.Floor(rank));
        double upper = Math.Min(n - 1, lower + 1);
        double weight = rank - Math.Floor(rank);
        return (values[(int)lower] * (1 - weight)) + (values[(int)upper] * weight);
    }

    /// <summary>
    /// histogram_quantile over classic buckets. Sorts and may modify <paramref name="buckets"/>. Reports whether
    /// monotonicity had to be forced.
    /// </summary>
    public static double BucketQuantile(double q, List<Bucket> buckets, out bool forcedMonotonic)
    {
        forcedMonotonic = false;
        if (double.IsNaN(q))
        {
            return double.NaN;
        }
        if (q < 0)
        {
            return double.NegativeInfinity;
        }
        if (q > 1)
        {
            return double.PositiveInfinity;
        }
        SortBuckets(buckets);
        if (!double.IsPositiveInfinity(buckets[^1].UpperBound))
        {
            return double.NaN;
        }
        Coalesce(buckets);
        forcedMonotonic = EnsureMonotonic(buckets);
        if (buckets.Count < 2)
        {
            forcedMonotonic = false;
            return double.NaN;
        }
        double observations = buckets[^1].Count;
        if (observations == 0)
        {
            forcedMonotonic = false;
            return double.NaN;
        }
        double rank = q * observations;
        int b = 0;
        int hi = buckets.Count - 1;
        while (b < hi)
        {
            int mid = (int)((uint)(b + hi) >> 1);
            if (buckets[mid].Count >= rank)
            {
                hi = mid;
            }
            else
            {
                b = mid + 1;
            }
        }
        if (b == buckets.Count - 1)
        {
            return buckets[^2].UpperBound;
        }
        if (b == 0 && buckets[0].UpperBound <= 0)
        {
            return buckets[0].UpperBound;
        }
        double bucketStart = 0;
        double bucketEnd = buckets[b].UpperBound;
        double count = buckets[b].Count;
        if (b > 0)
        {
            bucketStart = buckets[b - 1].UpperBound;
            count -= buckets[b - 1].Count;
            rank -= buckets[b - 1].Count;
        }
        return bucketStart + ((bucketEnd - bucketStart) * (rank / count));
    }

    /// <summary>
    /// histogram_fraction over classic buckets: the share of observations in (lower, upper], interpolating linearly
    /// inside finite buckets; the lowest bucket starts at 0 when its bound is positive; no interpolation into the
    /// infinite buckets.
    /// </summary>
    public static double BucketFraction(double lower, double upper, List<Bucket> buckets)
    {
        if (buckets.Count == 0)
        {
            return double.NaN;
        }
        SortBuckets(buckets);
        if (!double.IsPositiveInfinity(buckets[^1].UpperBound))
        {
            return double.NaN;
        }
        Coalesce(buckets);
        double count = buckets[^1].Count;
        if (count == 0 || double.IsNaN(lower) || double.IsNaN(upper))
        {
            return double.NaN;
        }
        if (lower >= upper)
        {
            return 0;
        }
        double rank = 0, lowerRank = 0, upperRank = 0;
        bool lowerSet = false, upperSet = false;
        for (int i = 0; i < buckets.Count; i++)
        {
            double bucketUpper = buckets[i].UpperBound;
            double bucketLower = i > 0 ? buckets[i - 1].UpperBound : bucketUpper > 0 ? 0 : double.NegativeInfinity;
            double bucketCount = buckets[i].Count - rank;
            double Interpolate(double v)
            {
                if (double.IsNegativeInfinity(bucketLower))
                {
                    return rank + bucketCount;
                }
                if (double.IsPositiveInfinity(bucketUpper))
                {
                    return rank;
                }
                return rank + (bucketCount * (v - bucketLower) / (bucketUpper - bucketLower));
            }
            if (!lowerSet && bucketLower >= lower)
            {
                lowerRank = rank;
                lowerSet = true;
            }
            if (!upperSet && bucketLower >= upper)
            {
                upperRank = rank;
                upperSet = true;
            }
            if (lowerSet && upperSet)
            {
                break;
            }
            if (!lowerSet && bucketLower < lower && bucketUpper > lower)
            {
                lowerRank = Interpolate(lower);
                lowerSet = true;
            }
            if (!upperSet && bucketLower < upper && bucketUpper > upper)
            {
                upperRank = Interpolate(upper);
                upperSet = true;
            }
            if (lowerSet && upperSet)
            {
                break;
            }
            rank = buckets[i].Count;
        }
        if (!lowerSet || lowerRank > count)
        {
            lowerRank = count;
        }
        if (!upperSet || upperRank > count)
        {
            upperRank = count;
        }
        return (upperRank - lowerRank) / count;
    }

    private static void SortBuckets(List<Bucket> buckets)
    {
        // Note: a stable sort keeps equal bounds in input order, as Go's small-input sort does.
        for (int i = 1; i < buckets.Count; i++)
        {
            for (int j = i; j > 0 && buckets[j].UpperBound < buckets[j - 1].UpperBound; j--)
            {
                (buckets[j], buckets[j - 1]) = (buckets[j - 1], buckets[j]);
            }
        }
    }

    private static void Coalesce(List<Bucket> buckets)
    {
        var last = buckets[0];
        int i = 0;
        for (int k = 1; k < buckets.Count; k++)
        {
            var b = buckets[k];
            if (b.UpperBound == last.UpperBound)
            {
                last.Count += b.Count;
            }
            else
            {
                buckets[i] = last;
                last = b;
                i++;
            }
        }
        buckets[i] = last;
        buckets.RemoveRange(i + 1, buckets.Count - i - 1);
    }

    private static bool EnsureMonotonic(List<Bucket> buckets)
    {
        bool forced = false;
        double prev = buckets[0].Count;
        for (int i = 1; i < buckets.Count; i++)
        {
            double curr = buckets[i].Count;
            if (curr == prev)
            {
                continue;
            }
            if (AlmostEqual(prev, curr, SmallDeltaTolerance))
            {
                buckets[i] = buckets[i] with { Count = prev };
                continue;
            }
            if (curr < prev)
            {
                buckets[i] = buckets[i] with { Count = prev };
                forced = true;
                continue;
            }
            prev = curr;
        }
        return forced;
    }

    /// <summary>Prometheus's util/almost.Equal.</summary>
    public static bool AlmostEqual(double a, double b, double epsilon)
    {
        const double minNormal = 2.2250738585072014e-308;
        if (Vigil.Core.Model.StaleMarker.IsStaleNaN(a) || Vigil.Core.Model.StaleMarker.IsStaleNaN(b))
        {
            return Vigil.Core.Model.StaleMarker.IsStaleNaN(a) && Vigil.Core.Model.StaleMarker.IsStaleNaN(b);
        }
        if (double.IsNaN(a) && double.IsNaN(b))
        {
            return true;
        }
        if (a == b)
        {
            return true;
        }
        double absSum = Math.Abs(a) + Math.Abs(b);
        double diff = Math.Abs(a - b);
        if (a == 0 || b == 0 || absSum < minNormal)
        {
            return diff < epsilon * minNormal;
        }
        return diff / Math.Min(absSum, double.MaxValue) < epsilon;
    }
}
