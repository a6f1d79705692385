using System.Runtime.InteropServices;
using Vigil.Core.Labels;
using Vigil.PromQL.Ast;
using Vigil.PromQL.Engine;
using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Functions;

/// <summary>The buckets of one classic histogram at one step, keyed by the series labels without <c>le</c>.</summary>
internal sealed class BucketGroup(LabelSet metric)
{
    public LabelSet Metric { get; } = metric;

    public List<Bucket> Buckets { get; } = new();
}

/// <summary>histogram_quantile, histogram_quantiles and histogram_fraction over classic <c>le</c> buckets.</summary>
internal static class ClassicHistograms
{
    /// <summary>Groups the samples into histograms by their labels without <c>le</c>; bad <c>le</c> values are reported.</summary>
    private static List<BucketGroup> Group(List<StepSample> vec, Expr arg, EvalNodeHelper enh)
    {
        var map = enh.BucketGroups ??= new Dictionary<LabelSet, BucketGroup>();
        map.Clear();
        var order = new List<BucketGroup>();
        foreach (var s in CollectionsMarshal.AsSpan(vec))
        {
            if (s.H is not null)
            {
                continue;
            }
            string le = s.Metric.Get("le");
            if (!TryParseBound(le, out double upper))
            {
                enh.Annotations.Warn(AnnotationText.BadBucketLabel(s.Metric.Name, le), arg.Position);
                continue;
            }
            var key = s.Metric.Without("le");
            if (!map.TryGetValue(key, out var g))
            {
                g = new BucketGroup(key);
                map.Add(key, g);
                order.Add(g);
            }
            g.Buckets.Add(new Bucket(upper, s.F));
        }
        return order;
    }

    /// <summary>The native histogram samples of <paramref name="vec"/>, each turned into one output by <paramref name="f"/>; warns about classic buckets of the same histogram.</summary>
    private static void Native(List<StepSample> vec, Expr arg, EvalNodeHelper enh, Func<Vigil.Core.Histograms.FloatHistogram, double> f)
    {
        HashSet<LabelSet>? keys = null;
        foreach (var s in CollectionsMarshal.AsSpan(vec))
        {
            if (s.H is null)
            {
                continue;
            }
            (keys ??= new HashSet<LabelSet>()).Add(s.Metric);
            enh.Out.Add(new StepSample { Metric = OutputMetric(s.Metric, enh), F = f(s.H), T = enh.Ts, DropName = true });
        }
        if (keys is not null)
        {
            NativeHistogramFunctions.WarnMixedClassicNative(vec, arg, enh, keys);
        }
    }

    private static bool TryParseBound(string s, out double v) => GoText.TryParseGoFloat(s, out v);

    private static LabelSet OutputMetric(LabelSet metric, EvalNodeHelper enh)
        => enh.Evaluator.DelayedNameRemoval ? metric : metric.WithoutMetadata();

    private static void WarnQuantile(double q, Expr arg, EvalNodeHelper enh)
    {
        if (double.IsNaN(q) || q < 0 || q > 1)
        {
            enh.Annotations.Warn(AnnotationText.InvalidQuantile(q), arg.Position);
        }
    }

    public static void HistogramQuantile(List<StepSample>[] args, Call call, EvalNodeHelper enh)
    {
        if (args[0].Count == 0)
        {
            return;
        }
        double q = args[0][0].F;
        WarnQuantile(q, call.Args[0], enh);
        Native(args[1], call.Args[1], enh, h => NativeHistogramFunctions.Quantile(q, h));
        foreach (var g in Group(args[1], call.Args[1], enh))
        {
            if (g.Buckets.Count == 0)
            {
                continue;
            }
            double v = Quantiles.BucketQuantile(q, g.Buckets, out bool forced);
            if (forced)
            {
                enh.Annotations.Info(AnnotationText.ForcedMonotonicity(enh.Evaluator.DelayedNameRemoval ? g.Metric.Name : string.Empty), call.Args[1].Position);
            }
            enh.Out.Add(new StepSample { Metric = OutputMetric(g.Metric, enh), F = v, T = enh.Ts, DropName = true });
        }
    }

    public static void HistogramQuantiles(List<StepSample>[] args, Call call, EvalNodeHelper enh)
    {
        string label = Evaluator.StringArg(call.Args[1]);
        var qs = new List<double>(args.Length - 2);
        for (int i = 2; i < args.Length; i++)
        {
            if (args[i].Count == 0)
            {
                return;
            }
            double q = args[i][0].F;
            WarnQuantile(q, call.Args[i], enh);
            qs.Add(q);
        }
        var groups = Group(args[0], call.Args[0], enh);
        var names = enh.QuantileStrings ??= new Dictionary<double, string>();
        foreach (double q in qs)
        {
            if (!names.TryGetValue(q, out string? qs1))
            {
                qs1 = FormatOpenMetricsFloat(q);
                names[q] = qs1;
            }
            foreach (var s in CollectionsMarshal.AsSpan(args[0]))
            {
                if (s.H is not null)
                {
                    var metric = OutputMetric(s.Metric, enh).With(label, qs1);
                    enh.Out.Add(new StepSample { Metric = metric, F = NativeHistogramFunctions.Quantile(q, s.H), T = enh.Ts, DropName = true });
                }
            }
            foreach (var g in groups)
            {
                if (g.Buckets.Count == 0)
                {
                    continue;
                }
                var copy = new List<Bucket>(g.Buckets);
                double v = Quantiles.BucketQuantile(q, copy, out bool forced);
                if (forced)
                {
                    enh.Annotations.Info(AnnotationText.ForcedMonotonicity(enh.Evaluator.DelayedNameRemoval ? g.Metric.Name : string.Empty), call.Args[0].Position);
                }
                var metric = OutputMetric(g.Metric, enh).With(label, qs1);
                enh.Out.Add(new StepSample { Metric = metric, F = v, T = enh.Ts, DropName = true });
            }
        }
    }

    public static void HistogramFraction(List<StepSample>[] args, Call call, EvalNodeHelper enh)
    {
        if (args[0].Count == 0 || args[1].Count == 0)
        {
            return;
        }
        double lower = args[0][0].F;
        double upper = args[1][0].F;
        Native(args[2], call.Args[2], enh, h => NativeHistogramFunctions.Fraction(lower, upper, h));
        foreach (var g in Group(args[2], call.Args[2], enh))
        {
            if (g.Buckets.Count == 0)
            {
                continue;
            }
            double v = Quantiles.BucketFraction(lower, upper, g.Buckets);
            enh.Out.Add(new StepSample { Metric = OutputMetric(g.Metric, enh), F = v, T = enh.Ts, DropName = true });
        }
    }

    /// <summary>OpenMetrics float text: shortest form, with <c>.0</c> added to integers (<c>0.0</c>, <c>0.25</c>, <c>+Inf</c>).</summary>
    public static string FormatOpenMetricsFloat(double f)
    {
        if (double.IsNaN(f))
        {
            return "NaN";
        }
        if (double.IsPositiveInfinity(f))
        {
            return "+Inf";
        }
        if (double.IsNegativeInfinity(f))
        {
            return "-Inf";
        }
        string s = GoText.FormatFloatG(f);
        if (!s.Contains('e', StringComparison.Ordinal) && !s.Contains('.', StringComparison.Ordinal))
        {
            s += ".0";
        }
        return s;
    }
}
