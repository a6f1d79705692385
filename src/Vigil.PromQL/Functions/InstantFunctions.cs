using System.Collections.Frozen;
using System.Runtime.InteropServices;
using Vigil.Core.Labels;
using Vigil.PromQL.Ast;
using Vigil.PromQL.Engine;

namespace Vigil.PromQL.Functions;

/// <summary>Computes a function's output vector for one step from its argument vectors.</summary>
internal delegate void InstantFunction(List<StepSample>[] args, Call call, EvalNodeHelper enh);

/// <summary>Functions over instant vectors and scalars (Prometheus's promql/functions.go), float samples only.</summary>
internal static class InstantFunctions
{
    public static readonly FrozenDictionary<string, InstantFunction> All = Build();

    private static FrozenDictionary<string, InstantFunction> Build()
    {
        var d = new Dictionary<string, InstantFunction>(StringComparer.Ordinal);
        void Simple(string name, Func<double, double> f) => d[name] = (a, c, e) => SimpleFloat(a[0], e, f);

        Simple("abs", Math.Abs);
        Simple("ceil", Math.Ceiling);
        Simple("floor", Math.Floor);
        Simple("exp", Math.Exp);
        Simple("sqrt", Math.Sqrt);
        Simple("ln", Math.Log);
        Simple("log2", Math.Log2);
        Simple("log10", Math.Log10);
        Simple("sin", Math.Sin);
        Simple("cos", Math.Cos);
        Simple("tan", Math.Tan);
        Simple("asin", Math.Asin);
        Simple("acos", Math.Acos);
        Simple("atan", Math.Atan);
        Simple("sinh", Math.Sinh);
        Simple("cosh", Math.Cosh);
        Simple("tanh", Math.Tanh);
        Simple("asinh", Math.Asinh);
        Simple("acosh", Math.Acosh);
        Simple("atanh", Math.Atanh);
        Simple("rad", static v => v * Math.PI / 180);
        Simple("deg", static v => v * 180 / Math.PI);
        Simple("sgn", static v => v < 0 ? -1 : v > 0 ? 1 : v);
        d["round"] = Round;
        d["clamp"] = (a, c, e) => Clamp(a[0], a[1][0].F, a[2][0].F, e);
        d["clamp_max"] = (a, c, e) => Clamp(a[0], double.NegativeInfinity, a[1][0].F, e);
        d["clamp_min"] = (a, c, e) => Clamp(a[0], a[1][0].F, double.PositiveInfinity, e);
        d["vector"] = (a, c, e) => e.Out.Add(new StepSample { Metric = LabelSet.Empty, F = a[0][0].F, T = e.Ts });
        d["scalar"] = Scalar;
        d["time"] = (a, c, e) => e.Out.Add(new StepSample { Metric = LabelSet.Empty, F = e.Ts / 1000.0, T = e.Ts });
        d["pi"] = (a, c, e) => e.Out.Add(new StepSample { Metric = LabelSet.Empty, F = Math.PI, T = e.Ts });
        d["min_of"] = (a, c, e) => e.Out.Add(new StepSample { Metric = LabelSet.Empty, F = Math.Min(a[0][0].F, a[1][0].F), T = e.Ts });
        d["max_of"] = (a, c, e) => e.Out.Add(new StepSample { Metric = LabelSet.Empty, F = Math.Max(a[0][0].F, a[1][0].F), T = e.Ts });
        d["timestamp"] = Timestamp;
        d["start_timestamp"] = static (a, c, e) => { };
        d["days_in_month"] = (a, c, e) => Date(a, e, static t => t.DaysInMonth);
        d["day_of_month"] = (a, c, e) => Date(a, e, static t => t.Day);
        d["day_of_week"] = (a, c, e) => Date(a, e, static t => t.DayOfWeek);
        d["day_of_year"] = (a, c, e) => Date(a, e, static t => t.DayOfYear);
        d["hour"] = (a, c, e) => Date(a, e, static t => t.Hour);
        d["minute"] = (a, c, e) => Date(a, e, static t => t.Minute);
        d["month"] = (a, c, e) => Date(a, e, static t => t.Month);
        d["year"] = (a, c, e) => Date(a, e, static t => t.Year);
        d["sort"] = (a, c, e) => SortByValue(a[0], e, descending: false);
        d["sort_desc"] = (a, c, e) => SortByValue(a[0], e, descending: true);
        d["sort_by_label"] = (a, c, e) => SortByLabel(a[0], c, e, descending: false);
        d["sort_by_label_desc"] = (a, c, e) => SortByLabel(a[0], c, e, descending: true);
        d["absent"] = Absent;
        d["histogram_quantile"] = ClassicHistograms.HistogramQuantile;
        d["histogram_quantiles"] = ClassicHistograms.HistogramQuantiles;
        d["histogram_fraction"] = ClassicHistograms.HistogramFraction;
        // Note: these read native histograms only; float samples produce no output, as in Prometheus.
        d["histogram_count"] = static (a, c, e) => NativeHistogramFunctions.PerHistogram(a[0], e, static h => h.Count);
        d["histogram_sum"] = static (a, c, e) => NativeHistogramFunctions.PerHistogram(a[0], e, static h => h.Sum);
        d["histogram_avg"] = static (a, c, e) => NativeHistogramFunctions.PerHistogram(a[0], e, static h => h.Sum / h.Count);
        d["histogram_stddev"] = static (a, c, e) => NativeHistogramFunctions.PerHistogram(a[0], e, static h => Math.Sqrt(NativeHistogramFunctions.Variance(h)));
        d["histogram_stdvar"] = static (a, c, e) => NativeHistogramFunctions.PerHistogram(a[0], e, NativeHistogramFunctions.Variance);
        return d.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static void SimpleFloat(List<StepSample> vec, EvalNodeHelper enh, Func<double, double> f)
    {
        bool delayed = enh.Evaluator.DelayedNameRemoval;
        foreach (var s in CollectionsMarshal.AsSpan(vec))
        {
            if (s.H is not null)
            {
                // Note: float functions skip native histogram samples, as in Prometheus.
                continue;
            }
            enh.Out.Add(new StepSample
            {
                Metric = delayed ? s.Metric : s.Metric.WithoutMetadata(),
                F = f(s.F),
                T = enh.Ts,
                DropName = true,
            });
        }
    }

    private static void Round(List<StepSample>[] args, Call call, EvalNodeHelper enh)
    {
        double toNearest = args.Length >= 2 && args[1].Count > 0 ? args[1][0].F : 1;
        double inverse = 1.0 / toNearest;
        SimpleFloat(args[0], enh, v => Math.Floor((v * inverse) + 0.5) / inverse);
    }

    private static void Clamp(List<StepSample> vec, double min, double max, EvalNodeHelper enh)
    {
        if (max < min)
        {
            return;
        }
        SimpleFloat(vec, enh, v => Math.Max(min, Math.Min(max, v)));
    }

    private static void Scalar(List<StepSample>[] args, Call call, EvalNodeHelper enh)
    {
        // Note: only float samples count; histogram samples are ignored.
        double v = double.NaN;
        int floats = 0;
        foreach (var s in CollectionsMarshal.AsSpan(args[0]))
        {
            if (s.H is null)
            {
                floats++;
                v = s.F;
            }
        }
        if (floats != 1)
        {
            v = double.NaN;
        }
        enh.Out.Add(new StepSample { Metric = LabelSet.Empty, F = v, T = enh.Ts });
    }

    private static void Timestamp(List<StepSample>[] args, Call call, EvalNodeHelper enh)
    {
        bool delayed = enh.Evaluator.DelayedNameRemoval;
        foreach (var s in CollectionsMarshal.AsSpan(args[0]))
        {
            enh.Out.Add(new StepSample
            {
                Metric = delayed ? s.Metric : s.Metric.WithoutMetadata(),
                F = s.T / 1000.0,
                T = enh.Ts,
                DropName = true,
            });
        }
    }

    /// <summary>Go's float64-to-int64 conversion on amd64: NaN and out-of-range values become the minimum int64.</summary>
    private static long ToUnixSeconds(double f)
        => double.IsNaN(f) || f >= 9.223372036854775807e18 || f < -9.223372036854775808e18 ? long.MinValue : (long)f;

    private static void Date(List<StepSample>[] args, EvalNodeHelper enh, Func<CivilTime, double> f)
    {
        if (args.Length == 0)
        {
            enh.Out.Add(new StepSample { Metric = LabelSet.Empty, F = f(new CivilTime(enh.Ts / 1000)), T = enh.Ts });
            return;
        }
        bool delayed = enh.Evaluator.DelayedNameRemoval;
        foreach (var s in CollectionsMarshal.AsSpan(args[0]))
        {
            if (s.H is not null)
            {
                continue;
            }
            enh.Out.Add(new StepSample
            {
                Metric = delayed ? s.Metric : s.Metric.WithoutMetadata(),
                F = f(new CivilTime(ToUnixSeconds(s.F))),
                T = enh.Ts,
                DropName = true,
            });
        }
    }

    private static void SortByValue(List<StepSample> vec, EvalNodeHelper enh, bool descending)
    {
        var list = vec.Where(s => s.H is null).ToList();
        // Note: NaN always sorts last; equal values keep their input order.
        var sorted = list.Select((s, i) => (s, i)).OrderBy(x => x, Comparer<(StepSample S, int I)>.Create((a, b) =>
        {
            bool an = double.IsNaN(a.S.F), bn = double.IsNaN(b.S.F);
            int c = an && bn ? 0 : an ? 1 : bn ? -1 : descending ? b.S.F.CompareTo(a.S.F) : a.S.F.CompareTo(b.S.F);
            return c != 0 ? c : a.I.CompareTo(b.I);
        }));
        foreach (var (s, _) in sorted)
        {
            enh.Out.Add(s);
        }
    }

    private static void SortByLabel(List<StepSample> vec, Call call, EvalNodeHelper enh, bool descending)
    {
        var labels = new string[call.Args.Count - 1];
        for (int i = 1; i < call.Args.Count; i++)
        {
            labels[i - 1] = Evaluator.StringArg(call.Args[i]);
        }
        int Compare(StepSample a, StepSample b)
        {
            foreach (var l in labels)
            {
                string va = a.Metric.Get(l), vb = b.Metric.Get(l);
                if (va == vb)
                {
                    continue;
                }
                bool less = NaturalSort.Less(va, vb);
                return descending ? (less ? 1 : -1) : (less ? -1 : 1);
            }
            int c = LabelSet.Compare(a.Metric, b.Metric);
            return descending ? -c : c;
        }
        var sorted = vec.ToList();
        sorted.Sort(Compare);
        enh.Out.AddRange(sorted);
    }

    private static void Absent(List<StepSample>[] args, Call call, EvalNodeHelper enh)
    {
        if (args[0].Count > 0)
        {
            return;
        }
        enh.Out.Add(new StepSample { Metric = LabelsForAbsent(call.Args[0]), F = 1, T = enh.Ts });
    }

    /// <summary>The labels that absent()/absent_over_time() report: those matched by exactly one equality matcher.</summary>
    public static LabelSet LabelsForAbsent(Expr arg)
    {
        while (arg is ParenExpr or StepInvariantExpr)
        {
            arg = arg is ParenExpr p ? p.Inner : ((StepInvariantExpr)arg).Inner;
        }
        List<LabelMatcher> matchers;
        switch (arg)
        {
            case VectorSelector vs:
                matchers = vs.Matchers;
                break;
            case MatrixSelector ms:
                matchers = ms.Selector.Matchers;
                break;
            default:
                return LabelSet.Empty;
        }
        var b = new LabelSetBuilder();
        var has = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in matchers)
        {
            if (m.Name == LabelSet.MetricName)
            {
                continue;
            }
            if (m.Type == MatchOp.Equal && !has.Contains(m.Name))
            {
                b.Set(m.Name, m.Value);
                has.Add(m.Name);
            }
            else
            {
                b.Delete(m.Name);
            }
        }
        return b.Build();
    }
}
