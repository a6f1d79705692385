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
    private static List<BucketGroup> Group(List<StepSample> vec, Expr arg, EvalNodeHelper enh, HashSet<LabelSet>? conflicts = null)
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
            if (conflicts is not null && conflicts.Contains(key))
            {
                continue;
            }
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

    /// <summary>
    /// The histograms that are both a native sample and a group of classic buckets (same labels without <c>le</c>): such a
    /// histogram gives no result, with a warning. Null when there are none.
    /// </summary>
    private static HashSet<LabelSet>? Conflicts(List<StepSample> vec, Expr arg, EvalNodeHelper enh)
    {
        HashSet<LabelSet>? native = null;
        foreach (var s in CollectionsMarshal.AsSpan(vec))
        {
            if (s.H is not null)
            {
                (native ??= new HashSet<LabelSet>()).Add(s.Metric);
            }
        }
        if (native is null)
        {
            return null;
        }
        HashSet<LabelSet>? conflicts = null;
        foreach (var s in CollectionsMarshal.AsSpan(vec))
        {
            if (s.H is null && s.Metric.Has("le") && native.Contains(s.Metric.Without("le")))
            {
                (conflicts ??= new HashSet<LabelSet>()).Add(s.Metric.Without("le"));
                enh.Annotations.Warn(HistogramAnnotationText.MixedClassicNative(s.Metric.Name), arg.Position);
            }
        }
        return conflicts;
    }

    /// <summary>Each native histogram sample of <paramref name="vec"/> (outside <paramref name="conflicts"/>) turned into one output by <paramref name="f"/>.</summary>
    private static void Native(List<StepSample> vec, EvalNodeHelper enh, HashSet<LabelSet>? conflicts, string? label, string? labelValue,
        Func<Vigil.Core.Histograms.FloatHistogram, double> f)
    {
        foreach (var s in CollectionsMarshal.AsSpan(vec))
        {
            if (s.H is null || (conflicts is not null && conflicts.Contains(s.Metric)))
            {
                continue;
            }
            var metric = OutputMetric(s.Metric, enh);
            if (label is not null)
            {
                metric = metric.With(label, labelValue!);
            }
            enh.Out.Add(new StepSample { Metric = metric, F = f(s.H), T = enh.Ts, DropName = true });
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
        var conflicts = Conflicts(args[1], call.Args[1], enh);
        Native(args[1], enh, conflicts, null, null, h => NativeHistogramFunctions.Quantile(q, h));
        foreach (var g in Group(args[1], call.Args[1], enh, conflicts))
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
        var conflicts = Conflicts(args[0], call.Args[0], enh);
        var groups = Group(args[0], call.Args[0], enh, conflicts);
        var names = enh.QuantileStrings ??= new Dictionary<double, string>();
        foreach (double q in qs)
        {
            if (!names.TryGetValue(q, out string? qs1))
            {
                qs1 = FormatOpenMetricsFloat(q);
                names[q] = qs1;
            }
            Native(args[0], enh, conflicts, label, qs1, h => NativeHistogramFunctions.Quantile(q, h));
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
        var conflicts = Conflicts(args[2], call.Args[2], enh);
        Native(args[2], enh, conflicts, null, null, h => NativeHistogramFunctions.Fraction(lower, upper, h));
        foreach (var g in Group(args[2], call.Args[2], enh, conflicts))
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
