// Note: over 600 lines on purpose: the evaluator's core (the step loop, selectors, ranges and subqueries) shares one per-query state; operators, function calls and aggregations are already in Evaluator.*.cs by feature.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.PromQL.Ast;

namespace Vigil.PromQL.Engine;

/// <summary>Called once per step with the argument vectors of that step; writes results to <see cref="EvalNodeHelper.Out"/>.</summary>
internal delegate void StepFunction(List<StepSample>[] args, EvalNodeHelper enh);

/// <summary>
/// Evaluates an expression over the fixed timestamps <c>Start, Start+Interval, …, End</c> (an instant query is one
/// step with Interval 1). Every node yields a matrix with at most one point per step and series; the caller turns
/// it into a vector, scalar or matrix. Mirrors Prometheus's evaluator (engine.go).
/// </summary>
internal sealed partial class Evaluator
{
    private const string Env = "query execution";

    private int _currentSamples;

    public Evaluator(QueryContext ctx, long start, long end, long interval, int currentSamples = 0)
    {
        Ctx = ctx;
        Start = start;
        End = end;
        Interval = interval;
        CurrentSamples = currentSamples;
    }

    public QueryContext Ctx { get; }

    public long Start { get; }

    public long End { get; }

    public long Interval { get; }

    /// <summary>Samples held by this evaluation now; every increase also raises the query's peak.</summary>
    public int CurrentSamples
    {
        get => _currentSamples;
        set
        {
            _currentSamples = value;
            if (value > Ctx.PeakSamples)
            {
                Ctx.PeakSamples = value;
            }
        }
    }

    public Annotations Annotations => Ctx.Annotations;

    public bool DelayedNameRemoval => Ctx.DelayedNameRemoval;

    public int NumSteps => (int)((End - Start) / Interval) + 1;

    public static PromQLException Error(string message) => new(QueryErrorType.Execution, message);

    public void CheckSamples()
    {
        if (CurrentSamples > Ctx.MaxSamples)
        {
            throw Error("query processing would load too many samples into memory in " + Env);
        }
    }

    /// <summary>Top level: evaluates and, with delayed name removal, drops names and merges equal label sets.</summary>
    public List<EvalSeries> EvalTopLevel(Expr expr)
    {
        var mat = Eval(expr);
        if (DelayedNameRemoval)
        {
            foreach (var s in mat)
            {
                if (s.DropName)
                {
                    s.Metric = s.Metric.WithoutMetadata();
                }
            }
            mat = MergeSeriesWithSameLabelset(mat);
        }
        return mat;
    }

    public List<EvalSeries> Eval(Expr expr)
    {
        Ctx.CheckCancel("expression evaluation");
        // Note: the parser bounds the depth; this turns a too-small stack into an exception instead of a crash.
        RuntimeHelpers.EnsureSufficientExecutionStack();
        if (End < Start)
        {
            return new List<EvalSeries>();
        }
        switch (expr)
        {
            case AggregateExpr a:
                return EvalAggregate(a);
            case Call c:
                return EvalCall(c);
            case ParenExpr p:
                return Eval(p.Inner);
            case UnaryExpr u:
                return EvalUnary(u);
            case BinaryExpr b:
                return EvalBinary(b);
            case NumberLiteral n:
            {
                double v = n.Value;
                return RangeEval((_, enh) => enh.Out.Add(new StepSample { Metric = LabelSet.Empty, F = v, T = enh.Ts }));
            }
            case VectorSelector vs:
                return EvalVectorSelector(vs);
            case MatrixSelector ms:
                if (Start != End)
                {
                    throw new PromQLException(QueryErrorType.Internal, "cannot do range evaluation of matrix selector");
                }
                return EvalMatrixSelector(ms);
            case SubqueryExpr sq:
                return EvalSubquery(sq);
            case StepInvariantExpr si:
                return EvalStepInvariant(si);
            default:
                throw new PromQLException(QueryErrorType.Internal, "unhandled expression of type " + expr.GetType().Name);
        }
    }

    private List<EvalSeries> EvalUnary(UnaryExpr u)
    {
        var mat = Eval(u.Operand);
        if (u.Negate)
        {
            foreach (var s in mat)
            {
                if (!DelayedNameRemoval)
                {
                    s.Metric = s.Metric.WithoutMetadata();
                }
                s.DropName = true;
                var pts = s.Points.AsSpan(0, s.Count);
                for (int j = 0; j < pts.Length; j++)
                {
                    pts[j] = new FPoint(pts[j].T, -pts[j].F, pts[j].H?.Mul(-1));
                }
            }
            if (!DelayedNameRemoval && ContainsSameLabelset(mat))
            {
                throw Error("vector cannot contain metrics with the same labelset");
            }
        }
        return mat;
    }

    /// <summary>Evaluates the argument expressions, then calls <paramref name="fn"/> once per step with the gathered vectors.</summary>
    public List<EvalSeries> RangeEval(StepFunction fn, params Expr?[] exprs)
    {
        int original = CurrentSamples;
        var mats = new List<EvalSeries>?[exprs.Length];
        for (int i = 0; i < exprs.Length; i++)
        {
            var e = exprs[i];
            if (e is not null && e.Type != ExprType.String)
            {
                mats[i] = Eval(e);
            }
        }
        return RangeEvalMatrices(fn, mats, original, null);
    }

    /// <summary>
    /// The step loop over already evaluated argument matrices. <paramref name="prepare"/> (optional) runs once after
    /// the matrices exist, e.g. to compute join signatures per series.
    /// </summary>
    public List<EvalSeries> RangeEvalMatrices(StepFunction fn, List<EvalSeries>?[] mats, int originalSamples, Action<EvalNodeHelper>? prepare)
    {
        int numSteps = NumSteps;
        int biggest = 1;
        var vectors = new List<StepSample>[mats.Length];
        for (int i = 0; i < mats.Length; i++)
        {
            int n = mats[i]?.Count ?? 0;
            vectors[i] = new List<StepSample>(n);
            biggest = Math.Max(biggest, n);
            if (mats[i] is { } m)
            {
                foreach (var s in m)
                {
                    s.Cursor = 0;
                }
            }
        }
        int workPerStep = 1;
        foreach (var m in mats)
        {
            workPerStep += m?.Count ?? 0;
        }
        var enh = new EvalNodeHelper(this);
        prepare?.Invoke(enh);
        var result = new List<EvalSeries>();
        var byLabels = new Dictionary<LabelSet, EvalSeries>(biggest);
        int tempNumSamples = CurrentSamples;
        try
        {
            for (long ts = Start; ts <= End; ts += Interval)
            {
                Ctx.Tick(workPerStep);
                CurrentSamples = tempNumSamples;
                for (int i = 0; i < mats.Length; i++)
                {
                    GatherVector(ts, mats[i], vectors[i]);
                }
                enh.Ts = ts;
                enh.Out.Clear();
                fn(vectors, enh);
                int outCount = enh.Out.Count;
                CurrentSamples += outCount;
                tempNumSamples += outCount;
                CheckSamples();

                var outSpan = CollectionsMarshal.AsSpan(enh.Out);
                if (Start == End)
                {
                    if (!DelayedNameRemoval && ContainsSameLabelset(enh.Out))
                    {
                        throw Error("vector cannot contain metrics with the same labelset");
                    }
                    var mat = new List<EvalSeries>(outSpan.Length);
                    foreach (ref readonly var s in outSpan)
                    {
                        var es = new EvalSeries(s.Metric, s.DropName);
                        es.Add(ts, s.F, s.H, 1);
                        mat.Add(es);
                    }
                    CurrentSamples = originalSamples + mat.Count;
                    return mat;
                }
                foreach (ref readonly var s in outSpan)
                {
                    if (byLabels.TryGetValue(s.Metric, out var ss))
                    {
                        if (ss.LastT == ts)
                        {
                            throw Error("vector cannot contain metrics with the same labelset");
                        }
                    }
                    else
                    {
                        ss = new EvalSeries(s.Metric, s.DropName);
                        byLabels.Add(s.Metric, ss);
                        result.Add(ss);
                    }
                    ss.LastT = ts;
                    ss.Add(ts, s.F, s.H, numSteps);
                }
            }
        }
        finally
        {
            foreach (var m in mats)
            {
                if (m is not null)
                {
                    PointPool.Release(m);
                }
            }
        }
        CurrentSamples = originalSamples + TotalSamples(result);
        return result;
    }

    private void GatherVector(long ts, List<EvalSeries>? input, List<StepSample> output)
    {
        output.Clear();
        if (input is null)
        {
            return;
        }
        for (int i = 0; i < input.Count; i++)
        {
            var s = input[i];
            if (s.Cursor < s.Count && s.Points[s.Cursor].T == ts)
            {
                ref readonly var p = ref s.Points[s.Cursor];
                output.Add(new StepSample { Metric = s.Metric, F = p.F, H = p.H, T = ts, DropName = s.DropName, Index = i });
                s.Cursor++;
                CurrentSamples++;
                CheckSamples();
            }
        }
    }

    public static int TotalSamples(List<EvalSeries> mat)
    {
        int n = 0;
        foreach (var s in mat)
        {
            n += s.Count;
        }
        return n;
    }

    public static bool ContainsSameLabelset(List<StepSample> vec)
    {
        if (vec.Count < 2)
        {
            return false;
        }
        var seen = new HashSet<LabelSet>(vec.Count);
        foreach (var s in vec)
        {
            if (!seen.Add(s.Metric))
            {
                return true;
            }
        }
        return false;
    }

    public static bool ContainsSameLabelset(List<EvalSeries> mat)
    {
        if (mat.Count < 2)
        {
            return false;
        }
        if (mat.Count == 2)
        {
            return mat[0].Metric.Equals(mat[1].Metric);
        }
        var seen = new HashSet<LabelSet>(mat.Count);
        foreach (var s in mat)
        {
            if (!seen.Add(s.Metric))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Merges series with equal labels whose points do not overlap; overlapping points are an error.</summary>
    public List<EvalSeries> MergeSeriesWithSameLabelset(List<EvalSeries> mat)
    {
        if (!ContainsSameLabelset(mat))
        {
            return mat;
        }
        var groups = new Dictionary<LabelSet, List<EvalSeries>>(mat.Count);
        var order = new List<LabelSet>();
        foreach (var s in mat)
        {
            if (!groups.TryGetValue(s.Metric, out var g))
            {
                g = new List<EvalSeries>(1);
                groups.Add(s.Metric, g);
                order.Add(s.Metric);
            }
            g.Add(s);
        }
        var result = new List<EvalSeries>(order.Count);
        foreach (var labels in order)
        {
            var g = groups[labels];
            if (g.Count == 1)
            {
                result.Add(g[0]);
                continue;
            }
            int total = 0;
            foreach (var s in g)
            {
                total += s.Count;
            }
            var merged = new EvalSeries(labels, g[0].DropName) { Points = PointPool.Rent(total) };
            foreach (var s in g)
            {
                s.Span.CopyTo(merged.Points.AsSpan(merged.Count));
                merged.Count += s.Count;
                s.Release();
            }
            var span = merged.Points.AsSpan(0, merged.Count);
            span.Sort(static (a, b) => a.T.CompareTo(b.T));
            for (int i = 1; i < span.Length; i++)
            {
                if (span[i].T == span[i - 1].T)
                {
                    throw Error("vector cannot contain metrics with the same labelset");
                }
            }
            result.Add(merged);
        }
        return result;
    }

    /// <summary>The series a selector matches, expanded from the selection made before evaluation.</summary>
    public List<ISeries> ExpandSeries(VectorSelector vs)
    {
        if (vs.Series is not null)
        {
            return vs.Series;
        }
        var list = new List<ISeries>();
        var set = vs.SeriesSet;
        if (set is not null)
        {
            while (set.MoveNext())
            {
                list.Add(set.Current);
            }
            if (set.Error is not null)
            {
                throw new PromQLException(QueryErrorType.Execution, "expanding series: " + set.Error.Message, null, set.Error);
            }
            foreach (var w in set.Warnings)
            {
                Annotations.Warn(w, null);
            }
        }
        vs.Series = list;
        return list;
    }

    private List<EvalSeries> EvalVectorSelector(VectorSelector vs)
    {
        if (vs.Smoothed)
        {
            return EvalSmoothedVectorSelector(vs);
        }
        var series = ExpandSeries(vs);
        int numSteps = NumSteps;
        var mat = new List<EvalSeries>(series.Count);
        var cursor = new LookbackCursor();
        ISampleIterator? it = null;
        long lookback = Ctx.LookbackMs;
        foreach (var s in series)
        {
            Ctx.CheckCancel("expression evaluation");
            it = s.Iterator(it);
            cursor.Reset(it);
            EvalSeries? es = null;
            for (long ts = Start; ts <= End; ts += Interval)
            {
                Ctx.Tick();
                if (!cursor.At(ts - vs.Offset, lookback, out _, out double v, out var h))
                {
                    continue;
                }
                CurrentSamples++;
                CheckSamples();
                Ctx.SamplesLoaded++;
                if (es is null)
                {
                    es = new EvalSeries(s.Labels) { Points = PointPool.Rent(Math.Min(numSteps, 5000)) };
                }
                es.Add(ts, v, h, numSteps);
            }
            if (es is not null)
            {
                mat.Add(es);
            }
        }
        return mat;
    }

    /// <summary>An instant selector with <c>smoothed</c>: the value at each step interpolated between the samples around it.</summary>
    private List<EvalSeries> EvalSmoothedVectorSelector(VectorSelector vs)
    {
        var series = ExpandSeries(vs);
        int numSteps = NumSteps;
        var mat = new List<EvalSeries>(series.Count);
        long lookback = Ctx.LookbackMs;
        using var window = new RangeWindow();
        ISampleIterator? it = null;
        foreach (var s in series)
        {
            Ctx.CheckCancel("expression evaluation");
            window.Release(this);
            it = s.Iterator(it);
            window.Reset(it);
            EvalSeries? es = null;
            for (long ts = Start; ts <= End; ts += Interval)
            {
                Ctx.Tick();
                long t = ts - vs.Offset;
                window.Fill(this, t - lookback, t + lookback);
                double v;
                Vigil.Core.Histograms.FloatHistogram? h = null;
                bool ok = HasHistogram(window.Span)
                    ? Functions.ExtendedHistogramRange.ValueAt(window.Span, t, s.Labels.Name, vs.Position, Annotations, out v, out h)
                    : Functions.ExtendedRange.ValueAt(window.Span, t, out v);
                if (!ok)
                {
                    continue;
                }
                CurrentSamples++;
                CheckSamples();
                es ??= new EvalSeries(s.Labels) { Points = PointPool.Rent(Math.Min(numSteps, 5000)) };
                es.Add(ts, v, h, numSteps);
            }
            if (es is not null)
            {
                mat.Add(es);
            }
        }
        window.Release(this);
        return mat;
    }

    private List<EvalSeries> EvalMatrixSelector(MatrixSelector ms)
    {
        var vs = ms.Selector;
        var series = ExpandSeries(vs);
        long maxt = Start - vs.Offset;
        long mint = maxt - ms.Range;
        long extra = vs.Anchored || vs.Smoothed ? Ctx.LookbackMs : 0;
        var trimmed = extra != 0 ? new List<FPoint>() : null;
        var mat = new List<EvalSeries>(series.Count);
        var window = new RangeWindow();
        ISampleIterator? it = null;
        foreach (var s in series)
        {
            Ctx.CheckCancel("expression evaluation");
            it = s.Iterator(it);
            window.Reset(it);
            window.Fill(this, mint - extra, maxt + (vs.Smoothed ? extra : 0));
            var points = window.Span;
            if (trimmed is not null)
            {
                // Note: anchored and smoothed ranges end exactly on the range boundaries.
                Functions.ExtendedRange.Extend(points, mint, maxt, vs.Smoothed, trimmed);
                points = CollectionsMarshal.AsSpan(trimmed);
            }
            if (points.Length > 0)
            {
                var es = new EvalSeries(s.Labels) { Points = PointPool.Rent(points.Length) };
                points.CopyTo(es.Points);
                es.Count = points.Length;
                mat.Add(es);
            }
            // Note: the points stay accounted in CurrentSamples; they are the result.
            window.Clear();
        }
        window.Dispose();
        return mat;
    }

    private List<EvalSeries> EvalSubquery(SubqueryExpr sq)
    {
        var child = NewSubqueryEvaluator(sq);
        var res = child.Eval(sq.Inner);
        CurrentSamples = child.CurrentSamples;
        return res;
    }

    /// <summary>The evaluator of a subquery's inner expression: its own step, aligned to multiples of the step.</summary>
    public Evaluator NewSubqueryEvaluator(SubqueryExpr sq)
    {
        long offset = sq.Offset;
        long range = sq.Range;
        long interval = sq.Step != 0 ? sq.Step : Ctx.DefaultSubqueryStep(range);
        long lower = Start - offset - range;
        long start = interval * (lower / interval);
        if (start <= lower)
        {
            start += interval;
        }
        // Note: the step count is known before anything is read: a subquery with more steps than max-samples would hold
        // more points than that for any one series, so it is refused before memory is allocated (and NumSteps stays an int).
        long end = End - offset;
        if (end >= start && (end - start) / interval >= Ctx.MaxSamples)
        {
            throw Error("query processing would load too many samples into memory in " + Env);
        }
        if (start != Start)
        {
            Preprocessor.SetOffsetForAtModifier(start, sq.Inner);
        }
        return new Evaluator(Ctx, start, end, interval, CurrentSamples);
    }

    private List<EvalSeries> EvalStepInvariant(StepInvariantExpr si)
    {
        if (si.Inner is StringLiteral or NumberLiteral)
        {
            return Eval(si.Inner);
        }
        var child = new Evaluator(Ctx, Start, Start, Interval, CurrentSamples);
        var res = child.Eval(si.Inner);
        CurrentSamples = child.CurrentSamples;
        if (si.Inner is MatrixSelector or SubqueryExpr)
        {
            return res;
        }
        int numSteps = NumSteps;
        if (numSteps == 1)
        {
            return res;
        }
        foreach (var s in res)
        {
            if (s.Count != 1)
            {
                throw new PromQLException(QueryErrorType.Internal, "unexpected number of samples");
            }
            double f = s.Points[0].F;
            var h = s.Points[0].H;
            for (long ts = Start + Interval; ts <= End; ts += Interval)
            {
                Ctx.Tick();
                s.Add(ts, f, h, numSteps);
                CurrentSamples++;
                CheckSamples();
            }
        }
        return res;
    }
}
