// Note: over 600 lines on purpose: already a partial by feature: Prometheus's binary operators (set operations, vector matching with its fill modifiers, vector-scalar) side by side, over floats and native histograms.
using System.Runtime.InteropServices;
using System.Text;
using Vigil.Core.Histograms;
using Vigil.Core.Labels;
using Vigil.PromQL.Ast;
using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Engine;

internal sealed partial class Evaluator
{
    private List<EvalSeries> EvalBinary(BinaryExpr e)
    {
        var lt = e.Lhs.Type;
        var rt = e.Rhs.Type;
        var op = e.Op;
        if (lt == ExprType.Scalar && rt == ExprType.Scalar)
        {
            return RangeEval((args, enh) =>
            {
                if (args[0].Count == 0 || args[1].Count == 0)
                {
                    return;
                }
                enh.Out.Add(new StepSample { Metric = LabelSet.Empty, F = ScalarBinop(op, args[0][0].F, args[1][0].F), T = enh.Ts });
            }, e.Lhs, e.Rhs);
        }
        if (lt == ExprType.Vector && rt == ExprType.Vector)
        {
            var matching = e.Matching!;
            int original = CurrentSamples;
            var lhs = Eval(e.Lhs);
            var rhs = Eval(e.Rhs);
            var lsig = Signatures(lhs, matching);
            var rsig = Signatures(rhs, matching);
            StepFunction fn;
            if (op.IsSetOperator())
            {
                fn = op switch
                {
                    BinaryOp.And => (args, enh) => VectorAnd(args[0], args[1], lsig, rsig, enh),
                    BinaryOp.Or => (args, enh) => VectorOr(args[0], args[1], lsig, rsig, enh),
                    _ => (args, enh) => VectorUnless(args[0], args[1], lsig, rsig, enh),
                };
            }
            else
            {
                var plan = new BinopPlan(lsig, rsig, matching.Card == VectorMatchCardinality.OneToMany) { Position = e.Position };
                fn = (args, enh) => VectorBinop(op, args[0], args[1], matching, e.ReturnBool, plan, enh);
            }
            return RangeEvalMatrices(fn, [lhs, rhs], original, null);
        }
        if (lt == ExprType.Vector)
        {
            return RangeEval((args, enh) =>
            {
                if (args[1].Count != 0)
                {
                    VectorScalarBinop(op, args[0], args[1][0].F, swap: false, e.ReturnBool, enh, e.Position);
                }
            }, e.Lhs, e.Rhs);
        }
        return RangeEval((args, enh) =>
        {
            if (args[0].Count != 0)
            {
                VectorScalarBinop(op, args[1], args[0][0].F, swap: true, e.ReturnBool, enh, e.Position);
            }
        }, e.Lhs, e.Rhs);
    }

    /// <summary>The join signature of every series: the <c>on</c> labels, or all labels but <c>__name__</c> and the <c>ignoring</c> ones.</summary>
    private static LabelSet[] Signatures(List<EvalSeries> mat, VectorMatching matching)
    {
        var sigs = new LabelSet[mat.Count];
        var names = matching.MatchingLabels.ToArray();
        string[] without = matching.On ? names : [LabelSet.MetricName, .. names];
        for (int i = 0; i < mat.Count; i++)
        {
            sigs[i] = matching.On ? mat[i].Metric.Keep(names) : mat[i].Metric.Without(without);
        }
        return sigs;
    }

    public static double ScalarBinop(BinaryOp op, double lhs, double rhs) => op switch
    {
        BinaryOp.Add => lhs + rhs,
        BinaryOp.Sub => lhs - rhs,
        BinaryOp.Mul => lhs * rhs,
        BinaryOp.Div => lhs / rhs,
        BinaryOp.Pow => Math.Pow(lhs, rhs),
        BinaryOp.Mod => lhs % rhs,
        BinaryOp.Eql => lhs == rhs ? 1 : 0,
        BinaryOp.Neq => lhs != rhs ? 1 : 0,
        BinaryOp.Gtr => lhs > rhs ? 1 : 0,
        BinaryOp.Lss => lhs < rhs ? 1 : 0,
        BinaryOp.Gte => lhs >= rhs ? 1 : 0,
        BinaryOp.Lte => lhs <= rhs ? 1 : 0,
        BinaryOp.Atan2 => Math.Atan2(lhs, rhs),
        _ => throw new PromQLException(QueryErrorType.Internal, "operator " + GoText.Quote(op.Text()) + " not allowed for Scalar operations"),
    };

    /// <summary>Applies a float operation; comparisons keep the left value and report whether the pair passes.</summary>
    private static double ElemBinop(BinaryOp op, double lhs, double rhs, out bool keep)
    {
        keep = true;
        switch (op)
        {
            case BinaryOp.Add: return lhs + rhs;
            case BinaryOp.Sub: return lhs - rhs;
            case BinaryOp.Mul: return lhs * rhs;
            case BinaryOp.Div: return lhs / rhs;
            case BinaryOp.Pow: return Math.Pow(lhs, rhs);
            case BinaryOp.Mod: return lhs % rhs;
            case BinaryOp.Atan2: return Math.Atan2(lhs, rhs);
            case BinaryOp.Eql: keep = lhs == rhs; return lhs;
            case BinaryOp.Neq: keep = lhs != rhs; return lhs;
            case BinaryOp.Gtr: keep = lhs > rhs; return lhs;
            case BinaryOp.Lss: keep = lhs < rhs; return lhs;
            case BinaryOp.Gte: keep = lhs >= rhs; return lhs;
            case BinaryOp.Lte: keep = lhs <= rhs; return lhs;
            default:
                throw new PromQLException(QueryErrorType.Internal, "operator " + GoText.Quote(op.Text()) + " not allowed for operations between Vectors");
        }
    }

    private static void VectorAnd(List<StepSample> lhs, List<StepSample> rhs, LabelSet[] lsig, LabelSet[] rsig, EvalNodeHelper enh)
    {
        if (lhs.Count == 0 || rhs.Count == 0)
        {
            return;
        }
        var right = new HashSet<LabelSet>(rhs.Count);
        foreach (var rs in CollectionsMarshal.AsSpan(rhs))
        {
            right.Add(rsig[rs.Index]);
        }
        foreach (var ls in CollectionsMarshal.AsSpan(lhs))
        {
            if (right.Contains(lsig[ls.Index]))
            {
                enh.Out.Add(ls);
            }
        }
    }

    private static void VectorOr(List<StepSample> lhs, List<StepSample> rhs, LabelSet[] lsig, LabelSet[] rsig, EvalNodeHelper enh)
    {
        if (lhs.Count == 0)
        {
            enh.Out.AddRange(rhs);
            return;
        }
        if (rhs.Count == 0)
        {
            enh.Out.AddRange(lhs);
            return;
        }
        var left = new HashSet<LabelSet>(lhs.Count);
        foreach (var ls in CollectionsMarshal.AsSpan(lhs))
        {
            left.Add(lsig[ls.Index]);
            enh.Out.Add(ls);
        }
        foreach (var rs in CollectionsMarshal.AsSpan(rhs))
        {
            if (!left.Contains(rsig[rs.Index]))
            {
                enh.Out.Add(rs);
            }
        }
    }

    private static void VectorUnless(List<StepSample> lhs, List<StepSample> rhs, LabelSet[] lsig, LabelSet[] rsig, EvalNodeHelper enh)
    {
        if (lhs.Count == 0 || rhs.Count == 0)
        {
            enh.Out.AddRange(lhs);
            return;
        }
        var right = new HashSet<LabelSet>(rhs.Count);
        foreach (var rs in CollectionsMarshal.AsSpan(rhs))
        {
            right.Add(rsig[rs.Index]);
        }
        foreach (var ls in CollectionsMarshal.AsSpan(lhs))
        {
            if (!right.Contains(lsig[ls.Index]))
            {
                enh.Out.Add(ls);
            }
        }
    }

    /// <summary>
    /// Per-series join state of a vector/vector operation, built once per evaluation so the per-step matching works
    /// on integer signature ids and cached result labels instead of hashing label sets for every sample.
    /// </summary>
    private sealed class BinopPlan
    {
        /// <summary>Where the operation is in the query (for annotations).</summary>
        public PositionRange Position { get; init; }

        public BinopPlan(LabelSet[] lsig, LabelSet[] rsig, bool swapped)
        {
            var ids = new Dictionary<LabelSet, int>();
            int Id(LabelSet sig)
            {
                if (!ids.TryGetValue(sig, out int id))
                {
                    id = ids.Count;
                    ids.Add(sig, id);
                }
                return id;
            }
            var left = Array.ConvertAll(lsig, Id);
            var right = Array.ConvertAll(rsig, Id);
            (ManySig, OneSig) = swapped ? (right, left) : (left, right);
            SigLabels = new LabelSet[ids.Count];
            foreach (var (sig, id) in ids)
            {
                SigLabels[id] = sig;
            }
            OneStamp = new int[ids.Count];
            AnyMatchedStamp = new int[ids.Count];
            OnePos = new int[ids.Count];
            MatchedStamp = new int[ids.Count];
            CachedOne = new int[ManySig.Length];
            Array.Fill(CachedOne, -1);
            CachedMetric = new LabelSet[ManySig.Length];
            CachedMetricId = new int[ManySig.Length];
        }

        /// <summary>Signature id of each series on the "many" (left after swapping) side.</summary>
        public int[] ManySig { get; }

        /// <summary>Signature id of each series on the "one" side.</summary>
        public int[] OneSig { get; }

        public LabelSet[] SigLabels { get; }

        public int[] OneStamp { get; }

        public int[] OnePos { get; }

        public int[] MatchedStamp { get; }

        /// <summary>The step at which a signature last produced a pair (matched or filled), for <c>fill_left</c>.</summary>
        public int[] AnyMatchedStamp { get; }

        public int[] CachedOne { get; }

        public LabelSet[] CachedMetric { get; }

        public int[] CachedMetricId { get; }

        public Dictionary<LabelSet, int> MetricIds { get; } = new();

        public List<int> MetricStamp { get; } = new();

        public int Step { get; set; }
    }

    private void VectorBinop(BinaryOp op, List<StepSample> lhs, List<StepSample> rhs, VectorMatching matching, bool returnBool,
        BinopPlan plan, EvalNodeHelper enh)
    {
        bool filled = matching.FillLeft is not null || matching.FillRight is not null;
        if ((lhs.Count == 0 && rhs.Count == 0) || ((lhs.Count == 0 || rhs.Count == 0) && !filled))
        {
            return;
        }
        bool swapped = matching.Card == VectorMatchCardinality.OneToMany;
        if (swapped)
        {
            (lhs, rhs) = (rhs, lhs);
        }
        int stamp = ++plan.Step;
        var one = CollectionsMarshal.AsSpan(rhs);
        for (int j = 0; j < one.Length; j++)
        {
            int sig = plan.OneSig[one[j].Index];
            if (plan.OneStamp[sig] == stamp)
            {
                ThrowManyToMany(one[j], one[plan.OnePos[sig]], matching, swapped);
            }
            plan.OneStamp[sig] = stamp;
            plan.OnePos[sig] = j;
        }
        foreach (ref readonly var ls in CollectionsMarshal.AsSpan(lhs))
        {
            int sig = plan.ManySig[ls.Index];
            if (plan.OneStamp[sig] != stamp)
            {
                if (matching.FillRight is double fill)
                {
                    // Note: a missing "one" side is filled with a sample whose labels are only the match signature.
                    var filler = new StepSample { Metric = plan.SigLabels[sig], F = fill, T = enh.Ts, Index = -1 };
                    BinopFilledPair(op, ls, filler, sig, matching, returnBool, plan, stamp, swapped, enh);
                }
                continue;
            }
            ref readonly var rs = ref one[plan.OnePos[sig]];
            if (!PairValue(op, ls, rs, sig, matching, returnBool, plan, stamp, swapped, enh, out double value, out var valueH))
            {
                continue;
            }
            LabelSet metric;
            int metricId;
            if (plan.CachedOne[ls.Index] == rs.Index)
            {
                metric = plan.CachedMetric[ls.Index];
                metricId = plan.CachedMetricId[ls.Index];
            }
            else
            {
                metric = ResultMetric(ls.Metric, rs.Metric, op, matching, enh);
                if (!DelayedNameRemoval && returnBool)
                {
                    metric = metric.WithoutMetadata();
                }
                if (!plan.MetricIds.TryGetValue(metric, out metricId))
                {
                    metricId = plan.MetricIds.Count;
                    plan.MetricIds.Add(metric, metricId);
                    plan.MetricStamp.Add(0);
                }
                plan.CachedOne[ls.Index] = rs.Index;
                plan.CachedMetric[ls.Index] = metric;
                plan.CachedMetricId[ls.Index] = metricId;
            }
            if (matching.Card != VectorMatchCardinality.OneToOne)
            {
                // Note: the result labels contain the signature, so a repeated result metric is a repeated (signature, metric).
                if (plan.MetricStamp[metricId] == stamp)
                {
                    throw Error("multiple matches for labels: grouping labels must ensure unique matches");
                }
                plan.MetricStamp[metricId] = stamp;
            }
            // Note: the result labels come from the "many" side, so its pending name removal carries over.
            enh.Out.Add(new StepSample { Metric = metric, F = value, H = valueH, T = enh.Ts, DropName = returnBool || ls.DropName });
        }
        if (matching.FillLeft is double fillLeft)
        {
            foreach (ref readonly var rs in one)
            {
                int sig = plan.OneSig[rs.Index];
                if (plan.AnyMatchedStamp[sig] == stamp)
                {
                    continue;
                }
                var filler = new StepSample { Metric = plan.SigLabels[sig], F = fillLeft, T = enh.Ts, Index = -1 };
                BinopFilledPair(op, filler, rs, sig, matching, returnBool, plan, stamp, swapped, enh);
            }
        }
    }

    /// <summary>One pair of a <c>fill</c>ed operation where one side is a made-up sample (not cached: it has no series index).</summary>
    private void BinopFilledPair(BinaryOp op, in StepSample ls, in StepSample rs, int sig, VectorMatching matching, bool returnBool,
        BinopPlan plan, int stamp, bool swapped, EvalNodeHelper enh)
    {
        if (!PairValue(op, ls, rs, sig, matching, returnBool, plan, stamp, swapped, enh, out double value, out var valueH))
        {
            return;
        }
        var metric = ResultMetric(ls.Metric, rs.Metric, op, matching, enh);
        if (!DelayedNameRemoval && returnBool)
        {
            metric = metric.WithoutMetadata();
        }
        if (matching.Card != VectorMatchCardinality.OneToOne)
        {
            if (!plan.MetricIds.TryGetValue(metric, out int metricId))
            {
                metricId = plan.MetricIds.Count;
                plan.MetricIds.Add(metric, metricId);
                plan.MetricStamp.Add(0);
            }
            if (plan.MetricStamp[metricId] == stamp)
            {
                throw Error("multiple matches for labels: grouping labels must ensure unique matches");
            }
            plan.MetricStamp[metricId] = stamp;
        }
        enh.Out.Add(new StepSample { Metric = metric, F = value, H = valueH, T = enh.Ts, DropName = returnBool || ls.DropName });
    }

    /// <summary>
    /// Marks the signature as matched at this step (one-to-one allows one pair per signature) and computes the pair's
    /// value in written operand order; false when a comparison without <c>bool</c> filters the pair out.
    /// </summary>
    private static bool PairValue(BinaryOp op, in StepSample many, in StepSample oneSide, int sig, VectorMatching matching, bool returnBool,
        BinopPlan plan, int stamp, bool swapped, EvalNodeHelper enh, out double value, out FloatHistogram? valueH)
    {
        plan.AnyMatchedStamp[sig] = stamp;
        if (matching.Card == VectorMatchCardinality.OneToOne)
        {
            // Note: checked before filtering, so a comparison that drops the samples still reports the ambiguity.
            if (plan.MatchedStamp[sig] == stamp)
            {
                throw Error("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
            }
            plan.MatchedStamp[sig] = stamp;
        }
        valueH = null;
        if (many.H is not null || oneSide.H is not null)
        {
            var (l, rr) = swapped ? (oneSide, many) : (many, oneSide);
            if (!HistogramElemBinop(op, l.F, l.H, rr.F, rr.H, enh, plan.Position, many.Metric.Name, out value, out valueH, out bool hkeep))
            {
                return false;
            }
            if (returnBool)
            {
                value = hkeep ? 1 : 0;
                valueH = null;
                return true;
            }
            return hkeep;
        }
        var (fl, fr) = swapped ? (oneSide.F, many.F) : (many.F, oneSide.F);
        value = ElemBinop(op, fl, fr, out bool keep);
        if (returnBool)
        {
            value = keep ? 1 : 0;
            return true;
        }
        return keep;
    }

    private static void ThrowManyToMany(in StepSample rs, in StepSample dup, VectorMatching matching, bool swapped)
    {
        string oneSide = swapped ? "left" : "right";
        var matched = matching.On ? rs.Metric.Keep(matching.MatchingLabels.ToArray()) : rs.Metric.Without([LabelSet.MetricName, .. matching.MatchingLabels]);
        var a = rs.Metric;
        var b = dup.Metric;
        if (LabelSet.Compare(a, b) > 0)
        {
            (a, b) = (b, a);
        }
        throw Error("found duplicate series for the match group " + FormatLabels(matched) + " on the " + oneSide
            + " hand-side of the operation: [" + FormatLabels(a) + ", " + FormatLabels(b)
            + "];many-to-many matching not allowed: matching labels must be unique on one side");
    }

    private static LabelSet ResultMetric(LabelSet lhs, LabelSet rhs, BinaryOp op, VectorMatching matching, EvalNodeHelper enh)
    {
        var cache = enh.ResultMetric ??= new Dictionary<(LabelSet, LabelSet), LabelSet>();
        if (cache.TryGetValue((lhs, rhs), out var cached))
        {
            return cached;
        }
        var b = enh.Builder.Reset(lhs);
        if (op.DropsMetricName())
        {
            b.Delete(LabelSet.MetricName, MetadataLabels.Type, MetadataLabels.Unit);
        }
        if (matching.Card == VectorMatchCardinality.OneToOne)
        {
            if (matching.On)
            {
                var keep = matching.MatchingLabels;
                b.Filter(l => keep.Contains(l.Name));
            }
            else
            {
                b.Delete(matching.MatchingLabels.ToArray());
            }
        }
        foreach (var ln in matching.Include)
        {
            string v = rhs.Get(ln);
            if (v.Length != 0)
            {
                b.Set(ln, v);
            }
            else
            {
                b.Delete(ln);
            }
        }
        var ret = b.Build();
        cache[(lhs, rhs)] = ret;
        return ret;
    }

    private void VectorScalarBinop(BinaryOp op, List<StepSample> lhs, double scalar, bool swap, bool returnBool, EvalNodeHelper enh, PositionRange position)
    {
        foreach (var sample in CollectionsMarshal.AsSpan(lhs))
        {
            if (sample.H is not null)
            {
                HistogramScalarBinop(op, sample, scalar, swap, returnBool, enh, position);
                continue;
            }
            double lf = sample.F, rf = scalar;
            if (swap)
            {
                (lf, rf) = (rf, lf);
            }
            double value = ElemBinop(op, lf, rf, out bool keep);
            // Note: a comparison with the scalar on the left still returns the vector element's value.
            if (op.IsComparison() && swap)
            {
                value = rf;
            }
            if (returnBool)
            {
                value = keep ? 1 : 0;
                keep = true;
            }
            if (!keep)
            {
                continue;
            }
            AddScalarBinopResult(op, sample, value, null, returnBool, enh);
        }
    }

    private void AddScalarBinopResult(BinaryOp op, StepSample sample, double value, FloatHistogram? h, bool returnBool, EvalNodeHelper enh)
    {
        var s = sample;
        s.F = value;
        s.H = h;
        s.T = enh.Ts;
        if (op.DropsMetricName() || returnBool)
        {
            if (!DelayedNameRemoval)
            {
                s.Metric = s.Metric.WithoutMetadata();
            }
            s.DropName = true;
        }
        enh.Out.Add(s);
    }

    private void HistogramScalarBinop(BinaryOp op, StepSample sample, double scalar, bool swap, bool returnBool, EvalNodeHelper enh, PositionRange position)
    {
        bool ok = swap
            ? HistogramElemBinop(op, scalar, null, 0, sample.H, enh, position, sample.Metric.Name, out double value, out var h, out bool keep)
            : HistogramElemBinop(op, 0, sample.H, scalar, null, enh, position, sample.Metric.Name, out value, out h, out keep);
        if (!ok)
        {
            return;
        }
        if (returnBool)
        {
            value = keep ? 1 : 0;
            h = null;
        }
        else if (!keep)
        {
            return;
        }
        AddScalarBinopResult(op, sample, value, h, returnBool, enh);
    }

    /// <summary>
    /// An operation where at least one side is a native histogram (Prometheus's vectorElemBinop): histogram ± histogram,
    /// histogram × or ÷ float, float × histogram, and == / != between histograms. Anything else is recorded as an info
    /// annotation and returns false (the pair produces nothing, even with <c>bool</c>).
    /// </summary>
    private static bool HistogramElemBinop(BinaryOp op, double lf, FloatHistogram? lh, double rf, FloatHistogram? rh, EvalNodeHelper enh,
        PositionRange position, string metricName, out double value, out FloatHistogram? h, out bool keep)
    {
        value = 0;
        h = null;
        keep = true;
        if (lh is null && rh is not null && op == BinaryOp.Mul)
        {
            h = rh.Mul(lf).Compact();
            return true;
        }
        if (lh is not null && rh is null && op is BinaryOp.Mul or BinaryOp.Div)
        {
            h = (op == BinaryOp.Mul ? lh.Mul(rf) : lh.Div(rf)).Compact();
            return true;
        }
        if (lh is not null && rh is not null)
        {
            switch (op)
            {
                case BinaryOp.Add:
                case BinaryOp.Sub:
                    if (!FloatHistogram.TryAdd(lh, rh, op == BinaryOp.Sub, out var sum, out bool reconciled))
                    {
                        enh.Annotations.Warn(HistogramAnnotationText.MixedExponentialCustom(metricName), position);
                        return false;
                    }
                    if (reconciled)
                    {
                        enh.Annotations.Info(HistogramAnnotationText.MismatchedCustomBuckets(op == BinaryOp.Sub ? "subtraction" : "addition"), position);
                    }
                    h = sum.Compact();
                    return true;
                case BinaryOp.Eql:
                case BinaryOp.Neq:
                    bool equal = lh.Compact().ExactlyEqualsIgnoringHint(rh.Compact());
                    keep = op == BinaryOp.Eql ? equal : !equal;
                    h = lh;
                    return true;
            }
        }
        enh.Annotations.Info(HistogramAnnotationText.IncompatibleTypesInBinOp(op.Text(), lh is null ? "float" : "histogram", rh is null ? "float" : "histogram"), position);
        return false;
    }

    /// <summary>Go's labels.Labels.String(): <c>{__name__="x", job="y"}</c>.</summary>
    public static string FormatLabels(LabelSet labels)
    {
        var sb = new StringBuilder();
        sb.Append('{');
        bool first = true;
        foreach (var l in labels.AsSpan())
        {
            if (!first)
            {
                sb.Append(", ");
            }
            first = false;
            if (LabelValidation.IsValidLegacyLabelName(l.Name))
            {
                sb.Append(l.Name);
            }
            else
            {
                GoText.AppendQuoted(sb, l.Name);
            }
            sb.Append('=');
            GoText.AppendQuoted(sb, l.Value);
        }
        sb.Append('}');
        return sb.ToString();
    }
}
