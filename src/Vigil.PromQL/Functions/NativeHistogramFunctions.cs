using System.Runtime.InteropServices;
using Vigil.Core.Histograms;
using Vigil.Core.Labels;
using Vigil.PromQL.Ast;
using Vigil.PromQL.Engine;

namespace Vigil.PromQL.Functions;

/// <summary>The instant functions that read native histogram samples: histogram_count/sum/avg/stddev/stdvar, and the native half of histogram_quantile/histogram_fraction.</summary>
internal static class NativeHistogramFunctions
{
    /// <summary>Applies <paramref name="f"/> to each histogram sample; float samples produce nothing.</summary>
    public static void PerHistogram(List<StepSample> vec, EvalNodeHelper enh, Func<FloatHistogram, double> f)
    {
        bool delayed = enh.Evaluator.DelayedNameRemoval;
        foreach (var s in CollectionsMarshal.AsSpan(vec))
        {
            if (s.H is null)
            {
                continue;
            }
            enh.Out.Add(new StepSample { Metric = delayed ? s.Metric : s.Metric.WithoutMetadata(), F = f(s.H), T = enh.Ts, DropName = true });
        }
    }

    /// <summary>The estimated variance of the observations, from bucket midpoints (geometric for exponential buckets).</summary>
    public static double Variance(FloatHistogram h)
    {
        double mean = h.Sum / h.Count;
        double variance = 0, c = 0;
        foreach (var b in h.AllBuckets())
        {
            if (b.Count == 0)
            {
                continue;
            }
            double val;
            if (h.UsesCustomBuckets)
            {
                val = (b.Upper + b.Lower) / 2.0;
            }
            else if (b.Lower <= 0 && b.Upper >= 0)
            {
                val = 0;
            }
            else
            {
                val = Math.Sqrt(b.Upper * b.Lower);
                if (b.Upper < 0)
                {
                    val = -val;
                }
            }
            double delta = val - mean;
            (variance, c) = KahanSum.Inc(b.Count * delta * delta, variance, c);
        }
        return (variance + c) / h.Count;
    }

    /// <summary>Prometheus's quantile estimate of a native histogram (exponential interpolation inside exponential buckets).</summary>
    public static double Quantile(double q, FloatHistogram h)
    {
        if (q < 0)
        {
            return double.NegativeInfinity;
        }
        if (q > 1)
        {
            return double.PositiveInfinity;
        }
        if (h.Count == 0 || double.IsNaN(q))
        {
            return double.NaN;
        }
        var buckets = h.AllBuckets();
        bool forward = double.IsNaN(h.Sum) || q < 0.5;
        double rank = forward ? q * h.Count : (1 - q) * h.Count;
        double count = 0;
        HistogramBucket bucket = default;
        for (int k = 0; k < buckets.Count; k++)
        {
            bucket = buckets[forward ? k : buckets.Count - 1 - k];
            if (bucket.Count == 0)
            {
                continue;
            }
            count += bucket.Count;
            if (count >= rank)
            {
                break;
            }
        }
        double lower = bucket.Lower, upper = bucket.Upper;
        if (!h.UsesCustomBuckets && lower < 0 && upper > 0)
        {
            if (h.NegativeBuckets.Length == 0 && h.PositiveBuckets.Length > 0)
            {
                lower = 0;
            }
            else if (h.PositiveBuckets.Length == 0 && h.NegativeBuckets.Length > 0)
            {
                upper = 0;
            }
        }
        else if (h.UsesCustomBuckets)
        {
            if (double.IsNegativeInfinity(lower))
            {
                if (upper <= 0)
                {
                    return upper;
                }
                lower = 0;
            }
            else if (double.IsPositiveInfinity(upper))
            {
                return lower;
            }
        }
        if (count > h.Count)
        {
            count = h.Count;
        }
        if (count < rank)
        {
            return upper;
        }
        rank = forward ? rank - (count - bucket.Count) : count - rank;
        double fraction = rank / bucket.Count;
        if (h.UsesCustomBuckets || (lower <= 0 && upper >= 0))
        {
            return lower + ((upper - lower) * fraction);
        }
        double logLower = Math.Log2(Math.Abs(lower));
        double logUpper = Math.Log2(Math.Abs(upper));
        if (lower > 0)
        {
            return Math.Pow(2, logLower + ((logUpper - logLower) * fraction));
        }
        return -Math.Pow(2, logUpper + ((logLower - logUpper) * (1 - fraction)));
    }

    /// <summary>Prometheus's estimate of the fraction of observations between <paramref name="lower"/> and <paramref name="upper"/>.</summary>
    public static double Fraction(double lower, double upper, FloatHistogram h)
    {
        if (h.Count == 0 || double.IsNaN(lower) || double.IsNaN(upper))
        {
            return double.NaN;
        }
        if (lower >= upper)
        {
            return 0;
        }
        double rank = 0, lowerRank = 0, upperRank = 0;
        bool lowerSet = false, upperSet = false;
        foreach (var bucket in h.AllBuckets())
        {
            double bl = bucket.Lower, bu = bucket.Upper, bc = bucket.Count;
            bool zeroBucket = false;
            if (h.UsesCustomBuckets)
            {
                if (double.IsNegativeInfinity(bl) && bu > 0)
                {
                    bl = 0;
                }
            }
            else if (bl <= 0 && bu >= 0)
            {
                zeroBucket = true;
                if (h.NegativeBuckets.Length == 0 && h.PositiveBuckets.Length > 0)
                {
                    bl = 0;
                }
                else if (h.PositiveBuckets.Length == 0 && h.NegativeBuckets.Length > 0)
                {
                    bu = 0;
                }
            }
            double Interpolate(double v)
            {
                if (h.UsesCustomBuckets || zeroBucket)
                {
                    if (double.IsInfinity(bl) || double.IsInfinity(bu))
                    {
                        return double.IsPositiveInfinity(bu) ? rank : rank + bc;
                    }
                    return rank + (bc * (v - bl) / (bu - bl));
                }
                double logLower = Math.Log2(Math.Abs(bl));
                double logUpper = Math.Log2(Math.Abs(bu));
                double logV = Math.Log2(Math.Abs(v));
                double fraction = v > 0 ? (logV - logLower) / (logUpper - logLower) : 1 - ((logV - logUpper) / (logLower - logUpper));
                return rank + (bc * fraction);
            }
            if (!lowerSet && bl >= lower)
            {
                lowerRank = rank;
                lowerSet = true;
            }
            if (!upperSet && bl >= upper)
            {
                upperRank = rank;
                upperSet = true;
            }
            if (lowerSet && upperSet)
            {
                break;
            }
            if (!lowerSet && bl < lower && bu > lower)
            {
                lowerRank = Interpolate(lower);
                lowerSet = true;
            }
            if (!upperSet && bl < upper && bu > upper)
            {
                upperRank = Interpolate(upper);
                upperSet = true;
            }
            if (lowerSet && upperSet)
            {
                break;
            }
            rank += bc;
        }
        if (!lowerSet || lowerRank > h.Count)
        {
            lowerRank = h.Count;
        }
        if (!upperSet || upperRank > h.Count)
        {
            upperRank = h.Count;
        }
        return (upperRank - lowerRank) / h.Count;
    }
}
