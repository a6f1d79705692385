// Note: over 600 lines on purpose: Prometheus's aggregation operators side by side (sum … quantile, topk/bottomk/limitk, limit_ratio, count_values), as in its engine.go.
using System.Runtime.InteropServices;
using Vigil.Core.Histograms;
using Vigil.Core.Labels;
using Vigil.PromQL.Ast;
using Vigil.PromQL.Functions;
using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Engine;

internal sealed partial class Evaluator
{
    private struct GroupState
    {
        public bool Seen;
        public bool IncrementalMean;
        public bool Complete;
        public double FloatValue;
        public double FloatMean;
        public double KahanC;
        public double GroupCount;
        public List<double>? Values;
        public List<StepSample>? Heap;

        /// <summary>Sum of the group's histogram samples at this step (sum, avg), or null.</summary>
        public FloatHistogram? Histogram;

        /// <summary>Histogram samples seen at this step.</summary>
        public int HistogramCount;

        /// <summary>True when the histograms could not be added (exponential and custom buckets mixed).</summary>
        public bool HistogramsIncompatible;
    }

    /// <summary>The per-step values of an aggregation parameter (k, q or ratio).</summary>
    private sealed class AggParams
    {
        private readonly double[]? _values;
        private readonly bool _constant;
        private readonly double _const;
        private int _next;

        public AggParams()
        {
        }

        public AggParams(double constant)
        {
            _constant = true;
            _const = constant;
            Min = Max = constant;
            HasNaN = double.IsNaN(constant);
        }

        public AggParams(double[] values)
        {
            _values = values;
            Min = double.MaxValue;
            Max = -double.MaxValue;
            foreach (double v in values)
            {
                Max = Math.Max(Max, v);
                Min = Math.Min(Min, v);
                HasNaN |= double.IsNaN(v);
            }
        }

        public double Min { get; }

        public double Max { get; }

        public bool HasNaN { get; }

        public double Next()
        {
            if (_constant)
            {
                return _const;
            }
            if (_values is null || _next >= _values.Length)
            {
                return double.NaN;
            }
            return _values[_next++];
        }
    }

    private static Expr? UnwrapParens(Expr? e)
    {
        while (e is ParenExpr p)
        {
            e = p.Inner;
        }
        return e;
    }

    private static Expr? UnwrapInvariant(Expr? e) => UnwrapParens(e is StepInvariantExpr si ? si.Inner : UnwrapParens(e));

    private AggParams EvalParams(Expr? param)
    {
        if (param is null)
        {
            return new AggParams();
        }
        if (param is NumberLiteral n)
        {
            return new AggParams(n.Value);
        }
        var mat = Eval(param);
        if (mat.Count == 0)
        {
            return new AggParams();
        }
        var values = new double[mat[0].Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = mat[0].Points[i].F;
        }
        PointPool.Release(mat);
        return new AggParams(values);
    }

    private static LabelSet GroupingLabels(LabelSet metric, string[] grouping, string[] withoutNames, bool without)
    {
        if (without)
        {
            return metric.Without(withoutNames);
        }
        return grouping.Length == 0 ? LabelSet.Empty : metric.Keep(grouping);
    }

    private List<EvalSeries> EvalAggregate(AggregateExpr e)
    {
        var grouping = e.Grouping.ToList();
        grouping.Sort(StringComparer.Ordinal);
        var param = UnwrapInvariant(e.Param);
        if (e.Op == AggregationOp.CountValues)
        {
            string valueLabel = ((StringLiteral)param!).Value;
            if (!LabelValidation.IsValidName(valueLabel))
            {
                throw Error("invalid label name " + GoText.Quote(valueLabel));
            }
            if (!e.Without)
            {
                grouping.Add(valueLabel);
                grouping.Sort(StringComparer.Ordinal);
            }
            var g = grouping.ToArray();
            string[] withoutNames = [.. g, LabelSet.MetricName];
            return RangeEval((args, enh) => CountValues(args[0], g, withoutNames, e.Without, valueLabel, enh), e.Inner);
        }
        int original = CurrentSamples;
        var prms = EvalParams(param);
        var input = Eval(e.Inner);
        try
        {
            var result = RangeEvalAgg(e, grouping.ToArray(), input, prms);
            CurrentSamples = original + TotalSamples(result);
            return result;
        }
        finally
        {
            PointPool.Release(input);
        }
    }

    private List<EvalSeries> RangeEvalAgg(AggregateExpr e, string[] grouping, List<EvalSeries> input, AggParams prms)
    {
        var op = e.Op;
        string[] withoutNames = [.. grouping, LabelSet.MetricName];
        var groupIndex = new Dictionary<LabelSet, int>();
        var seriesToGroup = new int[input.Count];
        var result = new List<EvalSeries>();
        bool keepsSeries = op.KeepsSeries();
        for (int si = 0; si < input.Count; si++)
        {
            var key = GroupingLabels(input[si].Metric, grouping, withoutNames, e.Without);
            if (!groupIndex.TryGetValue(key, out int idx))
            {
                idx = groupIndex.Count;
                groupIndex.Add(key, idx);
                if (!keepsSeries)
                {
                    result.Add(new EvalSeries(key));
                }
            }
            seriesToGroup[si] = idx;
            input[si].Cursor = 0;
        }
        var groups = new GroupState[groupIndex.Count];
        var paramPos = e.Param?.Position;
        switch (op)
        {
            case AggregationOp.Topk or AggregationOp.Bottomk or AggregationOp.Limitk:
                if (prms.HasNaN)
                {
                    throw Error("Parameter value is NaN");
                }
                if (prms.Max < 1)
                {
                    return new List<EvalSeries>();
                }
                break;
            case AggregationOp.LimitRatio:
                if (prms.HasNaN)
                {
                    throw Error("Ratio value is NaN");
                }
                if (prms.Max == 0 && prms.Min == 0)
                {
                    return new List<EvalSeries>();
                }
                if (prms.Max > 1.0)
                {
                    Annotations.Warn(AnnotationText.InvalidRatio(prms.Max, 1.0), paramPos);
                }
                if (prms.Min < -1.0)
                {
                    Annotations.Warn(AnnotationText.InvalidRatio(prms.Min, -1.0), paramPos);
                }
                break;
            case AggregationOp.Quantile:
                if (prms.HasNaN)
                {
                    Annotations.Warn(AnnotationText.InvalidQuantile(double.NaN), paramPos);
                }
                if (prms.Max > 1)
                {
                    Annotations.Warn(AnnotationText.InvalidQuantile(prms.Max), paramPos);
                }
                if (prms.Min < 0)
                {
                    Annotations.Warn(AnnotationText.InvalidQuantile(prms.Min), paramPos);
                }
                break;
        }
        var keepOutput = keepsSeries ? new Dictionary<LabelSet, EvalSeries>() : null;
        var keepOrder = keepsSeries ? new List<EvalSeries>() : null;
        int numSteps = NumSteps;
        int tempNumSamples = CurrentSamples;
        for (long ts = Start; ts <= End; ts += Interval)
        {
            Ctx.CheckCancel("expression evaluation");
            double fParam = prms.Next();
            CurrentSamples = tempNumSamples;
            if (keepsSeries)
            {
                var mat = AggregationK(e, fParam, input, seriesToGroup, groups, ts, keepOutput!, keepOrder!, numSteps);
                if (Start == End)
                {
                    return mat ?? new List<EvalSeries>();
                }
            }
            else
            {
                Aggregation(op, fParam, input, result, seriesToGroup, groups, ts, numSteps, e.Inner.Position);
            }
            CheckSamples();
        }
        if (keepsSeries)
        {
            return keepOrder!;
        }
        result.RemoveAll(static s => s.Count == 0);
        return result;
    }

    private static bool NextValue(EvalSeries s, long ts, out double f) => NextValue(s, ts, out f, out _);

    private static bool NextValue(EvalSeries s, long ts, out double f, out FloatHistogram? h)
    {
        while (s.Cursor < s.Count && s.Points[s.Cursor].T < ts)
        {
            s.Cursor++;
        }
        if (s.Cursor < s.Count && s.Points[s.Cursor].T == ts)
        {
            f = s.Points[s.Cursor].F;
            h = s.Points[s.Cursor].H;
            s.Cursor++;
            return true;
        }
        f = 0;
        h = null;
        return false;
    }

    private void Aggregation(AggregationOp op, double q, List<EvalSeries> input, List<EvalSeries> output, int[] seriesToGroup,
        GroupState[] groups, long ts, int numSteps, PositionRange aggPosition)
    {
        for (int i = 0; i < groups.Length; i++)
        {
            groups[i].Seen = false;
            groups[i].Histogram = null;
            groups[i].HistogramCount = 0;
            groups[i].HistogramsIncompatible = false;
        }
        for (int si = 0; si < input.Count; si++)
        {
            var series = input[si];
            if (!NextValue(series, ts, out double f, out var h))
            {
                continue;
            }
            int gi = seriesToGroup[si];
            ref var g = ref groups[gi];
            if (series.DropName)
            {
                output[gi].DropName = true;
            }
            if (h is not null && !AggregateHistogram(op, ref g, h, aggPosition))
            {
                continue;
            }
            if (!g.Seen)
            {
                g.Seen = true;
                g.FloatValue = f;
                g.FloatMean = f;
                g.KahanC = 0;
                g.GroupCount = 1;
                g.IncrementalMean = false;
                switch (op)
                {
                    case AggregationOp.Stddev or AggregationOp.Stdvar:
                        g.FloatValue = double.IsNaN(f) || double.IsInfinity(f) ? double.NaN : 0;
                        break;
                    case AggregationOp.Quantile:
                        g.Values ??= new List<double>();
                        g.Values.Clear();
                        g.Values.Add(f);
                        break;
                    case AggregationOp.Group:
                        g.FloatValue = 1;
                        break;
                }
                continue;
            }
            switch (op)
            {
                case AggregationOp.Sum:
                    (g.FloatValue, g.KahanC) = KahanSum.Inc(f, g.FloatValue, g.KahanC);
                    break;
                case AggregationOp.Avg:
                    AvgAdd(ref g, f);
                    break;
                case AggregationOp.Max:
                    if (g.FloatValue < f || double.IsNaN(g.FloatValue))
                    {
                        g.FloatValue = f;
                    }
                    break;
                case AggregationOp.Min:
                    if (g.FloatValue > f || double.IsNaN(g.FloatValue))
                    {
                        g.FloatValue = f;
                    }
                    break;
                case AggregationOp.Count:
                    g.GroupCount++;
                    break;
                case AggregationOp.Stddev or AggregationOp.Stdvar:
                {
                    g.GroupCount++;
                    double delta = f - g.FloatMean;
                    g.FloatMean += delta / g.GroupCount;
                    g.FloatValue += delta * (f - g.FloatMean);
                    break;
                }
                case AggregationOp.Quantile:
                    g.Values!.Add(f);
                    break;
            }
        }
        for (int gi = 0; gi < groups.Length; gi++)
        {
            ref var g = ref groups[gi];
            if (g.HistogramCount > 0)
            {
                if (g.Seen)
                {
                    Annotations.Warn(AnnotationText.WarningPrefix + "encountered a mix of histograms and floats for aggregation", aggPosition);
                }
                else if (!g.HistogramsIncompatible)
                {
                    var hv = op == AggregationOp.Avg ? g.Histogram!.Div(g.HistogramCount) : g.Histogram!;
                    output[gi].Add(ts, 0, hv.Compact(), numSteps);
                }
                continue;
            }
            if (!g.Seen)
            {
                continue;
            }
            double v = op switch
            {
                AggregationOp.Avg => g.IncrementalMean ? g.FloatMean + g.KahanC : (g.FloatValue + g.KahanC) / g.GroupCount,
                AggregationOp.Count => g.GroupCount,
                AggregationOp.Stdvar => g.FloatValue / g.GroupCount,
                AggregationOp.Stddev => Math.Sqrt(g.FloatValue / g.GroupCount),
                AggregationOp.Quantile => Quantiles.Quantile(q, CollectionsMarshal.AsSpan(g.Values)),
                AggregationOp.Sum => g.FloatValue + g.KahanC,
                _ => g.FloatValue,
            };
            output[gi].Add(ts, v, numSteps);
        }
    }

    /// <summary>
    /// Takes a histogram sample into its group: sum and avg add it up; count and group count it as a float would be
    /// (returns true so the float path counts it); the other aggregations ignore it with an info annotation.
    /// </summary>
    private bool AggregateHistogram(AggregationOp op, ref GroupState g, FloatHistogram h, PositionRange? position)
    {
        switch (op)
        {
            case AggregationOp.Sum or AggregationOp.Avg:
                g.HistogramCount++;
                if (g.Histogram is null)
                {
                    g.Histogram = h;
                }
                else if (!g.HistogramsIncompatible)
                {
                    if (!FloatHistogram.TryAdd(g.Histogram, h, subtract: false, out var sum, out bool reconciled))
                    {
                        g.HistogramsIncompatible = true;
                        Annotations.Warn(AnnotationText.WarningPrefix + "vector contains a mix of histograms with exponential and custom buckets schemas for metric name \"\"", position);
                    }
                    else
                    {
                        if (reconciled)
                        {
                            Annotations.Info(HistogramAnnotationText.MismatchedCustomBuckets("aggregation"), position);
                        }
                        g.Histogram = sum;
                    }
                }
                return false;
            case AggregationOp.Count or AggregationOp.Group:
                return true;
            default:
                Annotations.Info(HistogramAnnotationText.IgnoredInAggregation(op.Text()), position);
                return false;
        }
    }

    private static void AvgAdd(ref GroupState g, double f)
    {
        g.GroupCount++;
        if (!g.IncrementalMean)
        {
            var (newV, newC) = KahanSum.Inc(f, g.FloatValue, g.KahanC);
            if (!double.IsInfinity(newV))
            {
                g.FloatValue = newV;
                g.KahanC = newC;
                return;
            }
            g.IncrementalMean = true;
            g.FloatMean = g.FloatValue / (g.GroupCount - 1);
            g.KahanC /= g.GroupCount - 1;
        }
        if (double.IsInfinity(g.FloatMean))
        {
            if (double.IsInfinity(f) && (g.FloatMean > 0) == (f > 0))
            {
                return;
            }
            if (!double.IsInfinity(f) && !double.IsNaN(f))
            {
                return;
            }
        }
        double currentMean = g.FloatMean + g.KahanC;
        (g.FloatMean, g.KahanC) = KahanSum.Inc((f / g.GroupCount) - (currentMean / g.GroupCount), g.FloatMean, g.KahanC);
    }

    private List<EvalSeries>? AggregationK(AggregateExpr e, double fParam, List<EvalSeries> input, int[] seriesToGroup, GroupState[] groups,
        long ts, Dictionary<LabelSet, EvalSeries> output, List<EvalSeries> order, int numSteps)
    {
        var op = e.Op;
        long k = 0;
        double ratio = 0;
        switch (op)
        {
            case AggregationOp.Topk or AggregationOp.Bottomk or AggregationOp.Limitk:
                if (!(fParam <= 9223372036854774784d && fParam >= -9223372036854775808d))
                {
                    throw Error("Scalar value " + GoText.FormatFloatG(fParam) + " overflows int64");
                }
                k = (long)fParam;
                if (k > input.Count)
                {
                    k = input.Count;
                }
                if (k < 1)
                {
                    return Start == End ? new List<EvalSeries>() : null;
                }
                break;
            case AggregationOp.LimitRatio:
                if (double.IsNaN(fParam))
                {
                    throw Error("Ratio value is NaN");
                }
                if (fParam == 0)
                {
                    return Start == End ? new List<EvalSeries>() : null;
                }
                ratio = Math.Clamp(fParam, -1.0, 1.0);
                break;
        }
        for (int i = 0; i < groups.Length; i++)
        {
            groups[i].Seen = false;
            groups[i].Complete = false;
        }
        int groupsRemaining = groups.Length;
        for (int si = 0; si < input.Count; si++)
        {
            var series = input[si];
            if (!NextValue(series, ts, out double f, out var h))
            {
                continue;
            }
            if (h is not null && op is AggregationOp.Topk or AggregationOp.Bottomk)
            {
                Annotations.Info(HistogramAnnotationText.IgnoredInAggregation(op.Text()), e.Inner.Position);
                continue;
            }
            var s = new StepSample { Metric = series.Metric, F = f, H = h, T = ts, DropName = series.DropName };
            ref var g = ref groups[seriesToGroup[si]];
            if (!g.Seen)
            {
                g.Seen = true;
                g.Heap ??= new List<StepSample>();
                g.Heap.Clear();
                if (op != AggregationOp.LimitRatio || RatioSampler.AddRatioSample(ratio, s.Metric))
                {
                    g.Heap.Add(s);
                }
                continue;
            }
            var heap = g.Heap!;
            switch (op)
            {
                case AggregationOp.Topk:
                    if (heap.Count < k)
                    {
                        HeapPush(heap, s, reverse: false);
                    }
                    else if (heap[0].F < s.F || (double.IsNaN(heap[0].F) && !double.IsNaN(s.F)))
                    {
                        heap[0] = s;
                        if (k > 1)
                        {
                            HeapFix(heap, 0, reverse: false);
                        }
                    }
                    break;
                case AggregationOp.Bottomk:
                    if (heap.Count < k)
                    {
                        HeapPush(heap, s, reverse: true);
                    }
                    else if (heap[0].F > s.F || (double.IsNaN(heap[0].F) && !double.IsNaN(s.F)))
                    {
                        heap[0] = s;
                        if (k > 1)
                        {
                            HeapFix(heap, 0, reverse: true);
                        }
                    }
                    break;
                case AggregationOp.Limitk:
                    if (heap.Count < k)
                    {
                        HeapPush(heap, s, reverse: false);
                    }
                    if (!g.Complete && heap.Count == k)
                    {
                        g.Complete = true;
                        if (--groupsRemaining == 0)
                        {
                            // Note: every group holds k series; later series' points at this step are skipped by NextValue.
                            si = input.Count;
                        }
                    }
                    break;
                case AggregationOp.LimitRatio:
                    if (RatioSampler.AddRatioSample(ratio, s.Metric))
                    {
                        HeapPush(heap, s, reverse: false);
                    }
                    break;
            }
        }
        List<EvalSeries>? mat = Start == End ? new List<EvalSeries>(groups.Length) : null;
        void Add(in StepSample v)
        {
            if (mat is not null)
            {
                var es = new EvalSeries(v.Metric, v.DropName);
                es.Add(ts, v.F, v.H, 1);
                mat.Add(es);
                return;
            }
            if (!output.TryGetValue(v.Metric, out var ss))
            {
                ss = new EvalSeries(v.Metric, v.DropName);
                output.Add(v.Metric, ss);
                order.Add(ss);
            }
            ss.Add(ts, v.F, v.H, numSteps);
        }
        foreach (ref var g in groups.AsSpan())
        {
            if (!g.Seen)
            {
                continue;
            }
            var heap = g.Heap!;
            if (op == AggregationOp.Topk && heap.Count > 1)
            {
                SortReverse(heap, reverse: false);
            }
            else if (op == AggregationOp.Bottomk && heap.Count > 1)
            {
                SortReverse(heap, reverse: true);
            }
            foreach (var v in CollectionsMarshal.AsSpan(heap))
            {
                Add(v);
            }
        }
        return mat;
    }

    /// <summary>Go's vectorByValueHeap.Less (NaN sorts first) or, when reversed, vectorByReverseValueHeap.Less.</summary>
    private static bool HeapLess(List<StepSample> h, int i, int j, bool reverse)
    {
        double vi = h[i].F, vj = h[j].F;
        if (double.IsNaN(vi))
        {
            return true;
        }
        return reverse ? vi > vj : vi < vj;
    }

    private static void HeapPush(List<StepSample> h, StepSample s, bool reverse)
    {
        h.Add(s);
        HeapUp(h, h.Count - 1, reverse);
    }

    private static void HeapFix(List<StepSample> h, int i, bool reverse)
    {
        if (!HeapDown(h, i, h.Count, reverse))
        {
            HeapUp(h, i, reverse);
        }
    }

    private static void HeapUp(List<StepSample> h, int j, bool reverse)
    {
        while (true)
        {
            int i = (j - 1) / 2;
            if (i == j || !HeapLess(h, j, i, reverse))
            {
                break;
            }
            (h[i], h[j]) = (h[j], h[i]);
            j = i;
        }
    }

    private static bool HeapDown(List<StepSample> h, int i0, int n, bool reverse)
    {
        int i = i0;
        while (true)
        {
            int j1 = (2 * i) + 1;
            if (j1 >= n || j1 < 0)
            {
                break;
            }
            int j = j1;
            int j2 = j1 + 1;
            if (j2 < n && HeapLess(h, j2, j1, reverse))
            {
                j = j2;
            }
            if (!HeapLess(h, j, i, reverse))
            {
                break;
            }
            (h[i], h[j]) = (h[j], h[i]);
            i = j;
        }
        return i > i0;
    }

    /// <summary>sort.Sort(sort.Reverse(heap)) with a stable insertion sort, as Go's pdqsort does for small inputs.</summary>
    private static void SortReverse(List<StepSample> h, bool reverse)
    {
        var span = CollectionsMarshal.AsSpan(h);
        for (int i = 1; i < span.Length; i++)
        {
            for (int j = i; j > 0 && HeapLess(h, j - 1, j, reverse); j--)
            {
                (span[j], span[j - 1]) = (span[j - 1], span[j]);
            }
        }
    }

    private void CountValues(List<StepSample> vec, string[] grouping, string[] withoutNames, bool without, string valueLabel, EvalNodeHelper enh)
    {
        var counts = new Dictionary<LabelSet, int>();
        var order = new List<LabelSet>();
        foreach (var s in CollectionsMarshal.AsSpan(vec))
        {
            var metric = enh.Builder.Reset(s.Metric).Set(valueLabel, s.H is not null ? s.H.ToString(GoText.FormatFloatG) : GoText.FormatFloat(s.F)).Build();
            var key = GroupingLabels(metric, grouping, withoutNames, without);
            if (counts.TryGetValue(key, out int c))
            {
                counts[key] = c + 1;
            }
            else
            {
                counts.Add(key, 1);
                order.Add(key);
            }
        }
        foreach (var key in order)
        {
            enh.Out.Add(new StepSample { Metric = key, F = counts[key], T = enh.Ts });
        }
    }
}
