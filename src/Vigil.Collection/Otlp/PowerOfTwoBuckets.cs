using Vigil.Collection.Otlp.Proto;

namespace Vigil.Collection.Otlp;

/// <summary>
/// An exponential histogram regrouped into buckets whose bounds are powers of two, the form in which Vigil stores it as a
/// classic histogram until the TSDB has native histograms.
/// </summary>
/// <remarks>
/// An OTLP exponential histogram of scale <c>s</c> has buckets <c>(b^i, b^(i+1)]</c> with <c>b = 2^(2^-s)</c>. At scale 0
/// the bounds are the powers of two; every finer scale (1 to 20) nests exactly inside them, so bucket <c>i</c> of scale
/// <c>s</c> lies in bucket <c>i &gt;&gt; s</c> of scale 0 and nothing is split or estimated. Coarser scales (-10 to -1)
/// are kept as they are (their bounds are powers of two already). The stored <c>le</c> bounds therefore do not move when
/// an SDK changes its scale as data arrives, so the same <c>le</c> series continue and <c>histogram_quantile</c> works over
/// time and across series. Counts are non-cumulative here; <see cref="Cumulative"/> turns them into <c>le</c> buckets.
/// Not thread-safe; reusable.
/// </remarks>
internal sealed class PowerOfTwoBuckets
{
    /// <summary>The finest and coarsest scales OTLP allows.</summary>
    public const int MinScale = -10, MaxScale = 20;

    /// <summary>The scale of the regrouped buckets: 0, or the data's scale when that is coarser.</summary>
    public int Scale { get; private set; }

    /// <summary>The width of the zero bucket <c>[-t, t]</c>.</summary>
    public double ZeroThreshold { get; set; }

    /// <summary>The count of the zero bucket.</summary>
    public double Zero { get; set; }

    /// <summary>Positive buckets: (index, count) at <see cref="Scale"/>, in increasing index order.</summary>
    public List<(long Index, double Count)> Positive { get; private set; } = new();

    /// <summary>Negative buckets (by absolute value): (index, count) at <see cref="Scale"/>, in increasing index order.</summary>
    public List<(long Index, double Count)> Negative { get; private set; } = new();

    private List<(long Index, double Count)> _spare = new();

    /// <summary>Replaces the content with the buckets of <paramref name="point"/> (whose scale the caller has checked).</summary>
    public void Load(ExponentialHistogramDataPoint point)
    {
        Positive.Clear();
        Negative.Clear();
        Scale = Math.Min(point.Scale, 0);
        ZeroThreshold = point.ZeroThreshold;
        Zero = point.ZeroCount;
        Add(Positive, point.Positive, point.Scale - Scale);
        Add(Negative, point.Negative, point.Scale - Scale);
    }

    /// <summary>Adds another histogram's counts (a delta), regrouping whichever of the two is finer.</summary>
    public void Add(PowerOfTwoBuckets other)
    {
        if (other.Scale < Scale)
        {
            Downscale(other.Scale);
        }
        int shift = other.Scale - Scale;
        Positive = Merge(Positive, other.Positive, shift);
        Negative = Merge(Negative, other.Negative, shift);
        Zero += other.Zero;
        ZeroThreshold = Math.Max(ZeroThreshold, other.ZeroThreshold);
    }

    /// <summary>A copy.</summary>
    public PowerOfTwoBuckets Clone()
        => new() { Scale = Scale, ZeroThreshold = ZeroThreshold, Zero = Zero, Positive = [.. Positive], Negative = [.. Negative] };

    /// <summary>The sum of every bucket's count.</summary>
    public double Total()
    {
        double total = Zero;
        foreach (var (_, n) in Positive)
        {
            total += n;
        }
        foreach (var (_, n) in Negative)
        {
            total += n;
        }
        return total;
    }

    /// <summary>
    /// Fills <paramref name="buckets"/> with (upper bound, cumulative count) in increasing order of bound: the negative
    /// buckets, the zero bucket (when it or a negative bucket holds anything), then the positive buckets, from the lowest
    /// to the highest filled one with the empty ones between. Bounds beyond the largest double fold into <c>+Inf</c>,
    /// which the caller adds with the total count.
    /// </summary>
    public void Cumulative(List<(double Bound, double Count)> buckets)
    {
        buckets.Clear();
        double cumulative = 0;
        int shift = -Scale;
        // Note: empty buckets between filled ones are written too, so the le series of a histogram stay the same from
        // one point to the next; only indices whose bound is a finite, non-zero double are worth a series.
        long limit = (1100 >> shift) + 1;
        for (int k = Negative.Count - 1; k >= 0; k--)
        {
            if (k < Negative.Count - 1)
            {
                for (long j = Math.Min(Negative[k + 1].Index - 1, limit); j > Negative[k].Index && j >= -limit; j--)
                {
                    Put(buckets, -Power(j, shift), cumulative);
                }
            }
            cumulative += Negative[k].Count;
            Put(buckets, -Power(Negative[k].Index, shift), cumulative);
        }
        if (Zero > 0 || Negative.Count > 0)
        {
            cumulative += Zero;
            Put(buckets, ZeroThreshold, cumulative);
        }
        for (int k = 0; k < Positive.Count; k++)
        {
            if (k > 0)
            {
                for (long j = Math.Max(Positive[k - 1].Index + 1, -limit); j < Positive[k].Index && j <= limit; j++)
                {
                    Put(buckets, Power(j + 1, shift), cumulative);
                }
            }
            cumulative += Positive[k].Count;
            Put(buckets, Power(Positive[k].Index + 1, shift), cumulative);
        }
    }

    private static void Put(List<(double Bound, double Count)> buckets, double bound, double cumulative)
    {
        if (double.IsInfinity(bound))
        {
            return;
        }
        // Note: a bound not above the previous one (a wide zero bucket, or bounds that underflow) merges into it.
        if (buckets.Count > 0 && bound <= buckets[^1].Bound)
        {
            buckets[^1] = (buckets[^1].Bound, cumulative);
            return;
        }
        buckets.Add((bound, cumulative));
    }

    /// <summary>2^(index · 2^shift): the bound of bucket <paramref name="index"/> at scale <c>-shift</c>.</summary>
    private static double Power(long index, int shift)
    {
        long exponent = index << shift;
        return exponent > 1100 ? double.PositiveInfinity : exponent < -1100 ? 0 : Math.ScaleB(1, (int)exponent);
    }

    private void Downscale(int scale)
    {
        int shift = Scale - scale;
        Positive = Merge(Positive, [], 0, shift);
        Negative = Merge(Negative, [], 0, shift);
        Scale = scale;
    }

    /// <summary>Merges two index-ordered lists, regrouping <paramref name="b"/> by <paramref name="shiftB"/> (and <paramref name="a"/> by <paramref name="shiftA"/>).</summary>
    private List<(long Index, double Count)> Merge(List<(long Index, double Count)> a, List<(long Index, double Count)> b, int shiftB, int shiftA = 0)
    {
        var result = _spare;
        result.Clear();
        int x = 0, y = 0;
        while (x < a.Count || y < b.Count)
        {
            (long Index, double Count) next;
            long ia = x < a.Count ? a[x].Index >> shiftA : long.MaxValue;
            long ib = y < b.Count ? b[y].Index >> shiftB : long.MaxValue;
            if (ia <= ib)
            {
                next = (ia, a[x++].Count);
            }
            else
            {
                next = (ib, b[y++].Count);
            }
            if (result.Count > 0 && result[^1].Index == next.Index)
            {
                result[^1] = (next.Index, result[^1].Count + next.Count);
            }
            else
            {
                result.Add(next);
            }
        }
        _spare = a;
        return result;
    }

    private static void Add(List<(long Index, double Count)> into, ExponentialHistogramDataPoint.Types.Buckets? buckets, int shift)
    {
        if (buckets is null)
        {
            return;
        }
        long i = buckets.Offset;
        foreach (ulong count in buckets.BucketCounts)
        {
            if (count != 0)
            {
                long j = i >> shift;
                if (into.Count > 0 && into[^1].Index == j)
                {
                    into[^1] = (j, into[^1].Count + count);
                }
                else
                {
                    into.Add((j, count));
                }
            }
            i++;
        }
    }
}
