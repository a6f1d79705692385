namespace Vigil.Core.Histograms;

/// <summary>Adding, subtracting and comparing histograms of possibly different resolutions.</summary>
public sealed partial class FloatHistogram
{
    /// <summary>
    /// <paramref name="a"/> + <paramref name="b"/> (or − with <paramref name="subtract"/>): the result has the lower of the
    /// two schemas and the larger zero threshold. Custom-bucket histograms with different bounds are added on the bounds
    /// they share (<paramref name="reconciled"/> is then true). False when one uses custom buckets and the other does not.
    /// </summary>
    public static bool TryAdd(FloatHistogram a, FloatHistogram b, bool subtract, out FloatHistogram result, out bool reconciled)
    {
        reconciled = false;
        result = a;
        if (a.UsesCustomBuckets != b.UsesCustomBuckets)
        {
            return false;
        }
        double sign = subtract ? -1 : 1;
        FloatHistogram x = a, y = b;
        if (a.UsesCustomBuckets)
        {
            if (!BoundsEqual(a.CustomValues, b.CustomValues))
            {
                var common = a.CustomValues.Intersect(b.CustomValues).Order().ToArray();
                x = a.ToCustomBounds(common);
                y = b.ToCustomBounds(common);
                reconciled = true;
            }
        }
        else
        {
            int schema = Math.Min(a.Schema, b.Schema);
            x = a.ReduceResolution(schema);
            y = b.ReduceResolution(schema);
            double threshold = Math.Max(x.ZeroThreshold, y.ZeroThreshold);
            if (x.ZeroThreshold != threshold || y.ZeroThreshold != threshold)
            {
                // Note: widening one side's zero bucket may land inside a populated bucket of the other; repeat until stable.
                for (int i = 0; i < 64; i++)
                {
                    x = x.WithZeroThreshold(threshold);
                    y = y.WithZeroThreshold(threshold);
                    double next = Math.Max(x.ZeroThreshold, y.ZeroThreshold);
                    if (next == threshold && x.ZeroThreshold == y.ZeroThreshold)
                    {
                        break;
                    }
                    threshold = next;
                }
            }
        }
        var r = new FloatHistogram
        {
            Schema = x.Schema,
            ZeroThreshold = x.ZeroThreshold,
            ZeroCount = x.ZeroCount + (sign * y.ZeroCount),
            Count = x.Count + (sign * y.Count),
            Sum = x.Sum + (sign * y.Sum),
            CustomValues = x.CustomValues,
            CounterResetHint = CombineHints(a.CounterResetHint, b.CounterResetHint),
        };
        (r.PositiveSpans, r.PositiveBuckets) = Build(Merge(x.PositiveIndexed(), y.PositiveIndexed(), sign));
        (r.NegativeSpans, r.NegativeBuckets) = Build(Merge(x.NegativeIndexed(), y.NegativeIndexed(), sign));
        result = r;
        return true;
    }

    private static CounterResetHint CombineHints(CounterResetHint a, CounterResetHint b)
    {
        if (a == b || a == CounterResetHint.Gauge)
        {
            return a;
        }
        return b == CounterResetHint.Gauge ? CounterResetHint.Gauge : CounterResetHint.Unknown;
    }

    private static List<(int Index, double Count)> Merge(List<(int Index, double Count)> x, List<(int Index, double Count)> y, double sign)
    {
        var r = new List<(int, double)>(x.Count + y.Count);
        int i = 0, j = 0;
        while (i < x.Count || j < y.Count)
        {
            if (j >= y.Count || (i < x.Count && x[i].Index < y[j].Index))
            {
                r.Add(x[i++]);
            }
            else if (i >= x.Count || y[j].Index < x[i].Index)
            {
                r.Add((y[j].Index, sign * y[j].Count));
                j++;
            }
            else
            {
                r.Add((x[i].Index, x[i].Count + (sign * y[j].Count)));
                i++;
                j++;
            }
        }
        return r;
    }

    /// <summary>True when both bound lists are equal element by element.</summary>
    public static bool BoundsEqual(double[] a, double[] b) => a.AsSpan().SequenceEqual(b);

    /// <summary>A copy at the lower resolution <paramref name="targetSchema"/> (buckets merged); this one when already there.</summary>
    public FloatHistogram ReduceResolution(int targetSchema)
    {
        if (UsesCustomBuckets || targetSchema >= Schema)
        {
            return this;
        }
        int delta = Schema - targetSchema;
        var h = Copy();
        h.Schema = targetSchema;
        (h.PositiveSpans, h.PositiveBuckets) = Build(Regroup(PositiveIndexed(), delta));
        (h.NegativeSpans, h.NegativeBuckets) = Build(Regroup(NegativeIndexed(), delta));
        return h;
    }

    private static List<(int Index, double Count)> Regroup(List<(int Index, double Count)> buckets, int delta)
    {
        var r = new List<(int, double)>(buckets.Count);
        foreach (var (index, count) in buckets)
        {
            int target = ((index - 1) >> delta) + 1;
            if (r.Count > 0 && r[^1].Item1 == target)
            {
                r[^1] = (target, r[^1].Item2 + count);
            }
            else
            {
                r.Add((target, count));
            }
        }
        return r;
    }

    /// <summary>A copy whose custom buckets are merged onto <paramref name="bounds"/> (a subset of this one's bounds).</summary>
    private FloatHistogram ToCustomBounds(double[] bounds)
    {
        var h = Copy();
        h.CustomValues = bounds;
        var merged = new List<(int, double)>();
        foreach (var (index, count) in PositiveIndexed())
        {
            double upper = index < CustomValues.Length ? CustomValues[index] : double.PositiveInfinity;
            int target = bounds.Length;
            for (int k = 0; k < bounds.Length; k++)
            {
                if (bounds[k] >= upper)
                {
                    target = k;
                    break;
                }
            }
            if (merged.Count > 0 && merged[^1].Item1 == target)
            {
                merged[^1] = (target, merged[^1].Item2 + count);
            }
            else
            {
                merged.Add((target, count));
            }
        }
        (h.PositiveSpans, h.PositiveBuckets) = Build(merged);
        return h;
    }

    /// <summary>
    /// A copy with a zero threshold of at least <paramref name="threshold"/>: buckets inside it move into the zero
    /// bucket; a populated bucket the threshold falls into widens the threshold to that bucket's bound.
    /// </summary>
    public FloatHistogram WithZeroThreshold(double threshold)
    {
        if (UsesCustomBuckets || threshold <= ZeroThreshold)
        {
            return this;
        }
        var pos = PositiveIndexed();
        var neg = NegativeIndexed();
        double zero;
        while (true)
        {
            zero = ZeroCount;
            if (!Absorb(pos, ref threshold, ref zero) && !Absorb(neg, ref threshold, ref zero))
            {
                break;
            }
        }
        var h = Copy();
        h.ZeroThreshold = threshold;
        h.ZeroCount = zero;
        (h.PositiveSpans, h.PositiveBuckets) = Build(pos.Where(b => ExponentialBound(b.Index, Schema) > threshold).ToList());
        (h.NegativeSpans, h.NegativeBuckets) = Build(neg.Where(b => ExponentialBound(b.Index, Schema) > threshold).ToList());
        return h;
    }

    /// <summary>
    /// Adds the buckets (one side, ascending) that lie inside the zero bucket to <paramref name="zero"/>; true when a
    /// populated bucket straddles the threshold, which then widens to its upper bound (the caller starts over).
    /// </summary>
    private bool Absorb(List<(int Index, double Count)> buckets, ref double threshold, ref double zero)
    {
        foreach (var (index, count) in buckets)
        {
            if (ExponentialBound(index - 1, Schema) >= threshold)
            {
                return false;
            }
            zero += count;
            double upper = ExponentialBound(index, Schema);
            if (upper > threshold)
            {
                if (count != 0)
                {
                    threshold = upper;
                    return true;
                }
                return false;
            }
        }
        return false;
    }

    /// <summary>
    /// True when this sample, following <paramref name="previous"/>, means the counter was reset: an explicit hint,
    /// a lower count, a finer schema, a narrower zero bucket, changed custom bounds, or any bucket that went down.
    /// </summary>
    public bool DetectReset(FloatHistogram previous)
    {
        if (CounterResetHint == CounterResetHint.CounterReset)
        {
            return true;
        }
        if (CounterResetHint == CounterResetHint.NotCounterReset)
        {
            return false;
        }
        if (Count < previous.Count)
        {
            return true;
        }
        if (UsesCustomBuckets != previous.UsesCustomBuckets)
        {
            return true;
        }
        if (UsesCustomBuckets)
        {
            if (!BoundsEqual(CustomValues, previous.CustomValues))
            {
                // Note: different bounds are compared on the bounds both share, as when they are subtracted.
                var common = CustomValues.Intersect(previous.CustomValues).Order().ToArray();
                return AnyDecrease(ToCustomBounds(common).PositiveIndexed(), previous.ToCustomBounds(common).PositiveIndexed());
            }
            return AnyDecrease(PositiveIndexed(), previous.PositiveIndexed());
        }
        if (Schema > previous.Schema || ZeroThreshold < previous.ZeroThreshold)
        {
            return true;
        }
        var prev = previous.ReduceResolution(Schema).WithZeroThreshold(ZeroThreshold);
        if (prev.ZeroThreshold != ZeroThreshold || ZeroCount < prev.ZeroCount)
        {
            return true;
        }
        var cur = WithZeroThreshold(ZeroThreshold);
        return AnyDecrease(cur.PositiveIndexed(), prev.PositiveIndexed()) || AnyDecrease(cur.NegativeIndexed(), prev.NegativeIndexed());
    }

    private static bool AnyDecrease(List<(int Index, double Count)> cur, List<(int Index, double Count)> prev)
    {
        int j = 0;
        foreach (var (index, count) in prev)
        {
            if (count == 0)
            {
                continue;
            }
            while (j < cur.Count && cur[j].Index < index)
            {
                j++;
            }
            if (j >= cur.Count || cur[j].Index != index || cur[j].Count < count)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>True when every field but the counter-reset hint is exactly equal after compaction.</summary>
    public bool ExactlyEqualsIgnoringHint(FloatHistogram other)
    {
        var a = Copy();
        a.CounterResetHint = other.CounterResetHint;
        return a.ExactlyEquals(other);
    }

    /// <summary>True when every field is exactly equal after compaction (counter-reset hints included).</summary>
    public bool ExactlyEquals(FloatHistogram other)
    {
        var a = Compact();
        var b = other.Compact();
        return a.Schema == b.Schema && a.CounterResetHint == b.CounterResetHint
            && a.ZeroThreshold.Equals(b.ZeroThreshold) && a.ZeroCount.Equals(b.ZeroCount)
            && a.Count.Equals(b.Count) && a.Sum.Equals(b.Sum)
            && BoundsEqual(a.CustomValues, b.CustomValues)
            && a.PositiveSpans.AsSpan().SequenceEqual(b.PositiveSpans) && a.NegativeSpans.AsSpan().SequenceEqual(b.NegativeSpans)
            && a.PositiveBuckets.AsSpan().SequenceEqual(b.PositiveBuckets) && a.NegativeBuckets.AsSpan().SequenceEqual(b.NegativeBuckets);
    }
}
