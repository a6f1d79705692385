using System.Globalization;
using System.Text;

namespace Vigil.Core.Histograms;

/// <summary>
/// A native histogram with float counts (Prometheus's <c>histogram.FloatHistogram</c>): exponential buckets of a schema
/// (−4…8, bucket k covers (base^(k−1), base^k] with base = 2^(2^−schema)) around a zero bucket [−threshold, threshold],
/// or custom buckets (schema −53) whose upper bounds are <see cref="CustomValues"/> plus an implicit +Inf.
/// </summary>
/// <remarks>
/// Buckets hold absolute counts (not deltas). Instances are treated as immutable once shared: every operation that
/// changes a histogram returns a new one (<see cref="Copy"/> first when building). Not thread-safe while being built.
/// </remarks>
public sealed partial class FloatHistogram
{
    /// <summary>The schema of histograms with custom bucket bounds (NHCB).</summary>
    public const int CustomBucketsSchema = -53;

    /// <summary>The lowest exponential schema.</summary>
    public const int MinExponentialSchema = -4;

    /// <summary>The highest exponential schema.</summary>
    public const int MaxExponentialSchema = 8;

    /// <summary>What this sample says about counter resets.</summary>
    public CounterResetHint CounterResetHint { get; set; }

    /// <summary>The resolution: −4…8 exponential, −53 custom buckets.</summary>
    public int Schema { get; set; }

    /// <summary>Observations with an absolute value up to this go into the zero bucket.</summary>
    public double ZeroThreshold { get; set; }

    /// <summary>Observations in the zero bucket.</summary>
    public double ZeroCount { get; set; }

    /// <summary>Total number of observations (including NaN observations, which are in no bucket).</summary>
    public double Count { get; set; }

    /// <summary>Sum of all observations.</summary>
    public double Sum { get; set; }

    /// <summary>Spans of the positive buckets.</summary>
    public HistogramSpan[] PositiveSpans { get; set; } = [];

    /// <summary>Spans of the negative buckets (none for custom buckets).</summary>
    public HistogramSpan[] NegativeSpans { get; set; } = [];

    /// <summary>Absolute counts of the positive buckets, in span order.</summary>
    public double[] PositiveBuckets { get; set; } = [];

    /// <summary>Absolute counts of the negative buckets, in span order.</summary>
    public double[] NegativeBuckets { get; set; } = [];

    /// <summary>Upper bounds of the custom buckets (schema −53), ascending, without the implicit +Inf.</summary>
    public double[] CustomValues { get; set; } = [];

    /// <summary>True for a histogram with custom bucket bounds (schema −53).</summary>
    public bool UsesCustomBuckets => Schema == CustomBucketsSchema;

    /// <summary>True when the schema is one Prometheus knows (−4…8 or −53).</summary>
    public static bool IsValidSchema(int schema) => schema == CustomBucketsSchema || schema is >= MinExponentialSchema and <= MaxExponentialSchema;

    /// <summary>A deep copy.</summary>
    public FloatHistogram Copy() => new()
    {
        CounterResetHint = CounterResetHint,
        Schema = Schema,
        ZeroThreshold = ZeroThreshold,
        ZeroCount = ZeroCount,
        Count = Count,
        Sum = Sum,
        PositiveSpans = (HistogramSpan[])PositiveSpans.Clone(),
        NegativeSpans = (HistogramSpan[])NegativeSpans.Clone(),
        PositiveBuckets = (double[])PositiveBuckets.Clone(),
        NegativeBuckets = (double[])NegativeBuckets.Clone(),
        // Note: custom bounds are never changed in place, so copies share them.
        CustomValues = CustomValues,
    };

    /// <summary>A copy with count, sum and every bucket multiplied by <paramref name="factor"/>.</summary>
    public FloatHistogram Mul(double factor)
    {
        var h = Copy();
        h.Count *= factor;
        h.Sum *= factor;
        h.ZeroCount *= factor;
        for (int i = 0; i < h.PositiveBuckets.Length; i++)
        {
            h.PositiveBuckets[i] *= factor;
        }
        for (int i = 0; i < h.NegativeBuckets.Length; i++)
        {
            h.NegativeBuckets[i] *= factor;
        }
        return h;
    }

    /// <summary>A copy with count, sum and every bucket divided by <paramref name="divisor"/>.</summary>
    public FloatHistogram Div(double divisor)
    {
        var h = Copy();
        h.Count /= divisor;
        h.Sum /= divisor;
        h.ZeroCount /= divisor;
        for (int i = 0; i < h.PositiveBuckets.Length; i++)
        {
            h.PositiveBuckets[i] /= divisor;
        }
        for (int i = 0; i < h.NegativeBuckets.Length; i++)
        {
            h.NegativeBuckets[i] /= divisor;
        }
        return h;
    }

    /// <summary>The positive buckets as (index, count) pairs in ascending index order.</summary>
    public List<(int Index, double Count)> PositiveIndexed() => Expand(PositiveSpans, PositiveBuckets);

    /// <summary>The negative buckets as (index, count) pairs in ascending index order.</summary>
    public List<(int Index, double Count)> NegativeIndexed() => Expand(NegativeSpans, NegativeBuckets);

    internal static List<(int Index, double Count)> Expand(HistogramSpan[] spans, double[] buckets)
    {
        var list = new List<(int, double)>(buckets.Length);
        int idx = 0;
        int b = 0;
        for (int s = 0; s < spans.Length; s++)
        {
            idx += spans[s].Offset;
            for (uint j = 0; j < spans[s].Length && b < buckets.Length; j++)
            {
                list.Add((idx, buckets[b++]));
                idx++;
            }
        }
        return list;
    }

    /// <summary>Spans and buckets from (index, count) pairs in ascending index order; empty buckets are dropped.</summary>
    internal static (HistogramSpan[] Spans, double[] Buckets) Build(List<(int Index, double Count)> buckets)
    {
        var spans = new List<HistogramSpan>();
        var counts = new List<double>(buckets.Count);
        int prevEnd = 0;
        int offset = 0;
        uint length = 0;
        foreach (var (index, count) in buckets)
        {
            if (count == 0)
            {
                continue;
            }
            if (length > 0 && index == prevEnd)
            {
                length++;
            }
            else
            {
                if (length > 0)
                {
                    spans.Add(new HistogramSpan(offset, length));
                }
                offset = spans.Count == 0 ? index : index - prevEnd;
                length = 1;
            }
            counts.Add(count);
            prevEnd = index + 1;
        }
        if (length > 0)
        {
            spans.Add(new HistogramSpan(offset, length));
        }
        return (spans.ToArray(), counts.ToArray());
    }

    /// <summary>A copy without empty buckets and with adjacent spans merged.</summary>
    public FloatHistogram Compact()
    {
        var h = Copy();
        (h.PositiveSpans, h.PositiveBuckets) = Build(PositiveIndexed());
        (h.NegativeSpans, h.NegativeBuckets) = Build(NegativeIndexed());
        return h;
    }

    /// <summary>The upper bound of exponential bucket <paramref name="index"/> at <paramref name="schema"/>.</summary>
    public static double ExponentialBound(int index, int schema)
    {
        if (schema < 0)
        {
            long exp = (long)index << -schema;
            if (exp == 1024)
            {
                return double.MaxValue;
            }
            return exp > 1100 ? double.PositiveInfinity : exp < -1100 ? 0 : Math.ScaleB(1, (int)exp);
        }
        int fracIdx = index & ((1 << schema) - 1);
        double frac = FracTable[schema][fracIdx];
        long e = ((long)index >> schema) + 1;
        if (frac == 0.5 && e == 1025)
        {
            return double.MaxValue;
        }
        return e > 1100 ? double.PositiveInfinity : e < -1100 ? 0 : Math.ScaleB(frac, (int)e);
    }

    private static readonly double[][] FracTable = BuildFracTable();

    private static double[][] BuildFracTable()
    {
        var t = new double[MaxExponentialSchema + 1][];
        for (int s = 0; s <= MaxExponentialSchema; s++)
        {
            int n = 1 << s;
            t[s] = new double[n];
            for (int i = 0; i < n; i++)
            {
                t[s][i] = Math.Pow(2, (double)i / n) / 2;
            }
        }
        return t;
    }

    /// <summary>Lower and upper bound of positive bucket <paramref name="index"/> of this histogram.</summary>
    public (double Lower, double Upper) PositiveBounds(int index)
    {
        if (UsesCustomBuckets)
        {
            double lower = index == 0 ? double.NegativeInfinity : index - 1 < CustomValues.Length ? CustomValues[index - 1] : double.PositiveInfinity;
            double upper = index < CustomValues.Length ? CustomValues[index] : double.PositiveInfinity;
            return (lower, upper);
        }
        return (ExponentialBound(index - 1, Schema), ExponentialBound(index, Schema));
    }

    /// <summary>
    /// Every bucket from the lowest to the highest: negative buckets (descending index), the zero bucket (when the
    /// histogram has a zero threshold or zero count), positive buckets. Empty buckets are included as stored.
    /// </summary>
    public List<HistogramBucket> AllBuckets()
    {
        var list = new List<HistogramBucket>(PositiveBuckets.Length + NegativeBuckets.Length + 1);
        var neg = NegativeIndexed();
        for (int i = neg.Count - 1; i >= 0; i--)
        {
            double lower = -ExponentialBound(neg[i].Index, Schema);
            double upper = -ExponentialBound(neg[i].Index - 1, Schema);
            list.Add(new HistogramBucket(lower, upper, neg[i].Count, true, false));
        }
        if (!UsesCustomBuckets && (ZeroThreshold != 0 || ZeroCount != 0))
        {
            list.Add(new HistogramBucket(-ZeroThreshold, ZeroThreshold, ZeroCount, true, true));
        }
        foreach (var (index, count) in PositiveIndexed())
        {
            var (lower, upper) = PositiveBounds(index);
            list.Add(new HistogramBucket(lower, upper, count, false, true));
        }
        return list;
    }

    /// <summary>Prometheus's text form: <c>{count:4, sum:5, [-1,-0.5):1, [-0.001,0.001]:2, (0.5,1]:1}</c>.</summary>
    public override string ToString() => ToString(Format);

    /// <summary>The text form with numbers written by <paramref name="format"/> (Go's <c>%g</c> for Prometheus parity).</summary>
    public string ToString(Func<double, string> format)
    {
        ArgumentNullException.ThrowIfNull(format);
        var sb = new StringBuilder();
        sb.Append("{count:").Append(format(Count)).Append(", sum:").Append(format(Sum));
        foreach (var b in AllBuckets())
        {
            if (b.Count == 0)
            {
                continue;
            }
            sb.Append(", ").Append(b.LowerInclusive ? '[' : '(').Append(format(b.Lower)).Append(',').Append(format(b.Upper))
                .Append(b.UpperInclusive ? ']' : ')').Append(':').Append(format(b.Count));
        }
        return sb.Append('}').ToString();
    }

    private static string Format(double v)
        => double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf" : double.IsNaN(v) ? "NaN" : v.ToString("R", CultureInfo.InvariantCulture);
}
