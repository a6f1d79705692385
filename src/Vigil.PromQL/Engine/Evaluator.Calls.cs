using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.PromQL.Ast;
using Vigil.PromQL.Functions;

namespace Vigil.PromQL.Engine;

internal sealed partial class Evaluator
{
    /// <summary>The value of a string argument, looking through step-invariant wrappers and parentheses.</summary>
    public static string StringArg(Expr e) => ((StringLiteral)UnwrapInvariant(e)!).Value;

    private List<EvalSeries> EvalCall(Call e)
    {
        string name = e.Func.Name;
        if (name == "info")
        {
            e.Args[0] = UnwrapParens(e.Args[0])!;
            return EvalInfo(e);
        }
        if (name == "start_timestamp")
        {
            e.Args[0] = UnwrapParens(e.Args[0])!;
            if (UnwrapInvariant(e.Args[0]) is VectorSelector stvs)
            {
                return StartTimestampOverSelector(stvs);
            }
        }
        if (name == "timestamp")
        {
            e.Args[0] = UnwrapParens(e.Args[0])!;
            if (UnwrapInvariant(e.Args[0]) is VectorSelector vs)
            {
                return TimestampOverSelector(vs, e);
            }
        }
        int matrixIdx = -1;
        List<EvalSeries>? subqueryResult = null;
        int subquerySamples = 0;
        for (int i = 0; i < e.Args.Count; i++)
        {
            e.Args[i] = UnwrapParens(e.Args[i])!;
            var a = UnwrapInvariant(e.Args[i]);
            if (a is MatrixSelector)
            {
                matrixIdx = i;
                break;
            }
            if (a is SubqueryExpr sq)
            {
                matrixIdx = i;
                (e.Args[i], subqueryResult) = EvalSubqueryAsSelector(sq);
                subquerySamples = TotalSamples(subqueryResult);
                break;
            }
        }
        switch (name)
        {
            case "label_replace":
                return EvalLabelReplace(e);
            case "label_join":
                return EvalLabelJoin(e);
        }
        if (matrixIdx < 0)
        {
            if (!InstantFunctions.All.TryGetValue(name, out var fn))
            {
                throw new PromQLException(QueryErrorType.BadData, "function " + name + " is not supported");
            }
            return RangeEval((args, enh) => fn(args, e, enh), [.. e.Args]);
        }
        try
        {
            return EvalRangeFunction(e, matrixIdx);
        }
        finally
        {
            if (subqueryResult is not null)
            {
                CurrentSamples -= subquerySamples;
                PointPool.Release(subqueryResult);
            }
        }
    }

    /// <summary>Evaluates a subquery and presents its result as a range selector over in-memory series.</summary>
    private (MatrixSelector, List<EvalSeries>) EvalSubqueryAsSelector(SubqueryExpr sq)
    {
        var mat = Eval(sq);
        var vs = new VectorSelector(string.Empty, [], sq.Position)
        {
            OriginalOffset = sq.OriginalOffset,
            Offset = sq.Offset,
            Timestamp = sq.Timestamp,
            Series = new List<ISeries>(mat.Count),
        };
        if (sq.Timestamp is long ts)
        {
            vs.Offset = sq.OriginalOffset + (Start - ts);
        }
        foreach (var s in mat)
        {
            Ctx.SamplesLoaded += s.Count;
            vs.Series.Add(new EvalSeriesView(s));
        }
        return (new MatrixSelector(vs, sq.Range, null, sq.EndPos), mat);
    }

    private List<EvalSeries> EvalRangeFunction(Call e, int matrixIdx)
    {
        string name = e.Func.Name;
        var fn = RangeFunctions.All[name];
        var extended = (MatrixSelector)UnwrapInvariant(e.Args[matrixIdx])!;
        bool anchored = extended.Selector.Anchored, smoothed = extended.Selector.Smoothed;
        if ((anchored || smoothed) && ExtendedRange.Unsupported(name, anchored, smoothed) is { } unsupported)
        {
            throw Error(unsupported);
        }
        // Note: rate, increase and delta compute over the extended window themselves; changes and resets see it trimmed.
        bool extendedRate = (anchored || smoothed) && name is "rate" or "increase" or "delta";
        var trimmed = anchored || smoothed ? new List<FPoint>() : null;
        int argCount = e.Args.Count;
        var other = new List<EvalSeries>?[argCount];
        for (int i = 0; i < argCount; i++)
        {
            if (i != matrixIdx)
            {
                other[i] = Eval(e.Args[i]);
            }
        }
        var ms = (MatrixSelector)UnwrapInvariant(e.Args[matrixIdx])!;
        var vs = ms.Selector;
        var series = ExpandSeries(vs);
        long offset = vs.Offset;
        long range = ms.Range;
        var ctx = new RangeContext(e, Annotations, argCount) { RangeMs = range, OffsetMs = offset };
        bool dropName = name is not ("last_over_time" or "first_over_time");
        bool checkCounter = name is "rate" or "increase";
        int numSteps = NumSteps;
        var mat = new List<EvalSeries>(series.Count);
        using var window = new RangeWindow();
        ISampleIterator? it = null;
        var histScratch = new List<FPoint>();
        try
        {
            foreach (var s in series)
            {
                Ctx.CheckCancel("expression evaluation");
                window.Release(this);
                it = s.Iterator(it);
                window.Reset(it);
                var labels = s.Labels;
                // Note: a subquery result that already had its name marked for removal keeps that mark.
                bool seriesDropName = dropName || (s is EvalSeriesView { DropName: true });
                var metric = DelayedNameRemoval || !seriesDropName ? labels : labels.WithoutMetadata();
                ctx.Metric = labels;
                ctx.StartTimes = s as IStartTimestampSeries;
                EvalSeries? ss = null;
                int step = -1;
                long rangeEnd = 0;
                for (long ts = Start; ts <= End; ts += Interval)
                {
                    step++;
                    for (int j = 0; j < argCount; j++)
                    {
                        if (j != matrixIdx)
                        {
                            var m = other[j]!;
                            ctx.ScalarArgs[j] = m.Count > 0 && step < m[0].Count ? m[0].Points[step].F : double.NaN;
                        }
                    }
                    if (ts == Start || vs.Timestamp is null)
                    {
                        rangeEnd = ts - offset;
                        long extra = anchored || smoothed ? Ctx.LookbackMs : 0;
                        window.Fill(this, rangeEnd - range - extra, rangeEnd + (smoothed ? extra : 0));
                    }
                    // Note: a function may look at every point of the window, so the window's size is the step's work.
                    Ctx.Tick(1 + window.Count);
                    if (window.Count == 0)
                    {
                        continue;
                    }
                    ctx.Ts = ts;
                    ctx.MayDecrease = window.Decreases > 0;
                    double v;
                    bool ok;
                    Vigil.Core.Histograms.FloatHistogram? h = null;
                    if (extendedRate && HasHistogram(window.Span))
                    {
                        v = 0;
                        h = ExtendedHistogramRange.Rate(window.Span, rangeEnd - range, rangeEnd, smoothed, name != "delta", name == "rate", range, ctx);
                        ok = h is not null;
                    }
                    else if (HasHistogram(window.Span))
                    {
                        var span = window.Span;
                        if (trimmed is not null)
                        {
                            ExtendedRange.Extend(window.Span, rangeEnd - range, rangeEnd, smoothed, trimmed);
                            span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(trimmed);
                        }
                        ctx.MayDecrease = true;
                        v = 0;
                        ok = span.Length > 0 && HistogramRangeFunctions.Eval(name, span, ctx, fn, histScratch, out v, out h);
                    }
                    else if (extendedRate)
                    {
                        ok = ExtendedRange.Rate(window.Span, rangeEnd - range, rangeEnd, smoothed, name != "delta", name == "rate", range, out v);
                    }
                    else if (trimmed is not null)
                    {
                        ctx.MayDecrease = true;
                        v = 0;
                        ok = ExtendedRange.Extend(window.Span, rangeEnd - range, rangeEnd, smoothed, trimmed) > 0
                            && fn(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(trimmed), ctx, out v);
                    }
                    else
                    {
                        ok = fn(window.Span, ctx, out v);
                    }
                    if (ok)
                    {
                        ss ??= new EvalSeries(metric, seriesDropName) { Points = PointPool.Rent(Math.Min(numSteps, 5000)) };
                        ss.Add(ts, v, h, numSteps);
                    }
                }
                if (ss is not null)
                {
                    if (CurrentSamples + ss.Count > Ctx.MaxSamples)
                    {
                        throw Error("query processing would load too many samples into memory in " + Env);
                    }
                    mat.Add(ss);
                    CurrentSamples += ss.Count;
                    if (checkCounter)
                    {
                        string metricName = labels.Name;
                        if (metricName.Length != 0 && !metricName.EndsWith("_total", StringComparison.Ordinal)
                            && !metricName.EndsWith("_sum", StringComparison.Ordinal) && !metricName.EndsWith("_count", StringComparison.Ordinal)
                            && !metricName.EndsWith("_bucket", StringComparison.Ordinal))
                        {
                            Annotations.Info(AnnotationText.PossibleNonCounter(metricName), e.Args[0].Position);
                        }
                    }
                }
            }
            window.Release(this);
        }
        finally
        {
            foreach (var m in other)
            {
                if (m is not null)
                {
                    PointPool.Release(m);
                }
            }
        }
        if (name == "absent_over_time")
        {
            return AbsentOverTime(mat, e);
        }
        if (!DelayedNameRemoval && ContainsSameLabelset(mat))
        {
            throw Error("vector cannot contain metrics with the same labelset");
        }
        return mat;
    }

    internal static bool HasHistogram(ReadOnlySpan<FPoint> points)
    {
        foreach (ref readonly var p in points)
        {
            if (p.H is not null)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>One series with value 1 at the steps where no input series had samples.</summary>
    private List<EvalSeries> AbsentOverTime(List<EvalSeries> mat, Call e)
    {
        int steps = NumSteps;
        foreach (var s in mat)
        {
            if (s.Count == steps)
            {
                PointPool.Release(mat);
                return new List<EvalSeries>();
            }
        }
        var found = new HashSet<long>();
        foreach (var s in mat)
        {
            foreach (var p in s.Span)
            {
                found.Add(p.T);
            }
        }
        PointPool.Release(mat);
        if (found.Count == steps)
        {
            return new List<EvalSeries>();
        }
        var result = new EvalSeries(InstantFunctions.LabelsForAbsent(e.Args[0]), dropName: true) { Points = PointPool.Rent(steps - found.Count) };
        for (long ts = Start; ts <= End; ts += Interval)
        {
            Ctx.Tick();
            if (!found.Contains(ts))
            {
                result.Add(ts, 1, steps);
            }
        }
        return [result];
    }

    private List<EvalSeries> TimestampOverSelector(VectorSelector vs, Call e)
    {
        var series = ExpandSeries(vs);
        var cursors = new LookbackCursor[series.Count];
        for (int i = 0; i < series.Count; i++)
        {
            cursors[i] = new LookbackCursor();
            cursors[i].Reset(series[i].Iterator());
        }
        long lookback = Ctx.LookbackMs;
        var vec = new List<StepSample>(series.Count);
        var fn = InstantFunctions.All["timestamp"];
        return RangeEval((unused, enh) =>
        {
            long offset = vs.Timestamp is long t ? enh.Ts - t : vs.Offset;
            vec.Clear();
            for (int i = 0; i < series.Count; i++)
            {
                if (!cursors[i].At(enh.Ts - offset, lookback, out long sampleT, out _))
                {
                    continue;
                }
                vec.Add(new StepSample { Metric = series[i].Labels, T = sampleT, F = 0 });
                CurrentSamples++;
                Ctx.SamplesLoaded++;
                CheckSamples();
            }
            fn([vec], e, enh);
        });
    }

    /// <summary>
    /// start_timestamp(selector): for each series, the start timestamp (in seconds) of the sample the selector picks at
    /// each step, 0 when that sample has none. An expression argument has no start timestamps and gives nothing.
    /// </summary>
    private List<EvalSeries> StartTimestampOverSelector(VectorSelector vs)
    {
        var series = ExpandSeries(vs);
        var cursors = new LookbackCursor[series.Count];
        for (int i = 0; i < series.Count; i++)
        {
            cursors[i] = new LookbackCursor();
            cursors[i].Reset(series[i].Iterator());
        }
        long lookback = Ctx.LookbackMs;
        bool delayed = DelayedNameRemoval;
        return RangeEval((unused, enh) =>
        {
            long offset = vs.Timestamp is long t ? enh.Ts - t : vs.Offset;
            for (int i = 0; i < series.Count; i++)
            {
                if (!cursors[i].At(enh.Ts - offset, lookback, out long sampleT, out _))
                {
                    continue;
                }
                long st = series[i] is IStartTimestampSeries sts ? sts.StartTimestampAt(sampleT) : 0;
                var labels = series[i].Labels;
                enh.Out.Add(new StepSample { Metric = delayed ? labels : labels.WithoutMetadata(), F = st / 1000.0, T = enh.Ts, DropName = true });
                CurrentSamples++;
                Ctx.SamplesLoaded++;
                CheckSamples();
            }
        });
    }

    private List<EvalSeries> EvalLabelReplace(Call e)
    {
        string dst = StringArg(e.Args[1]);
        string repl = StringArg(e.Args[2]);
        string src = StringArg(e.Args[3]);
        string regexStr = StringArg(e.Args[4]);
        if (!GoRegexp.TryCompile(regexStr, out var regex))
        {
            throw Error("invalid regular expression in label_replace(): " + regexStr);
        }
        if (!LabelValidation.IsValidName(dst))
        {
            throw Error("invalid destination label name in label_replace(): " + dst);
        }
        var mat = Eval(e.Args[0]);
        foreach (var s in mat)
        {
            if (regex!.TryExpand(s.Metric.Get(src), repl, out string res))
            {
                s.Metric = s.Metric.With(dst, res);
                if (dst == LabelSet.MetricName)
                {
                    s.DropName = false;
                }
            }
        }
        return MergeSeriesWithSameLabelset(mat);
    }

    private List<EvalSeries> EvalLabelJoin(Call e)
    {
        string dst = StringArg(e.Args[1]);
        string sep = StringArg(e.Args[2]);
        var srcLabels = new string[e.Args.Count - 3];
        for (int i = 3; i < e.Args.Count; i++)
        {
            string src = StringArg(e.Args[i]);
            if (!LabelValidation.IsValidName(src))
            {
                throw Error("invalid source label name in label_join(): " + src);
            }
            srcLabels[i - 3] = src;
        }
        if (!LabelValidation.IsValidName(dst))
        {
            throw Error("invalid destination label name in label_join(): " + dst);
        }
        var mat = Eval(e.Args[0]);
        var values = new string[srcLabels.Length];
        foreach (var s in mat)
        {
            for (int i = 0; i < srcLabels.Length; i++)
            {
                values[i] = s.Metric.Get(srcLabels[i]);
            }
            s.Metric = s.Metric.With(dst, string.Join(sep, values));
            if (dst == LabelSet.MetricName)
            {
                s.DropName = false;
            }
        }
        return MergeSeriesWithSameLabelset(mat);
    }
}

/// <summary>An evaluated series presented as a storage series (for functions applied to subquery results).</summary>
internal sealed class EvalSeriesView(EvalSeries series) : ISeries
{
    public LabelSet Labels { get; } = series.Metric;

    /// <summary>Whether the evaluated series was marked to lose its metric name.</summary>
    public bool DropName { get; } = series.DropName;

    public ISampleIterator Iterator(ISampleIterator? reuse = null)
    {
        if (reuse is PointIterator p)
        {
            p.Reset(series.Points, series.Count);
            return p;
        }
        return new PointIterator(series.Points, series.Count);
    }
}

/// <summary>Iterates an array of points.</summary>
internal sealed class PointIterator(FPoint[] points, int count) : ISampleIterator
{
    private FPoint[] _points = points;
    private int _count = count;
    private int _i = -1;

    public void Reset(FPoint[] points, int count)
    {
        _points = points;
        _count = count;
        _i = -1;
    }

    public bool Next()
    {
        if (_i < _count)
        {
            _i++;
        }
        return _i < _count;
    }

    public bool Seek(long t)
    {
        if (_i < 0)
        {
            _i = 0;
        }
        if (_i >= _count)
        {
            return false;
        }
        if (_points[_i].T >= t)
        {
            return true;
        }
        int lo = _i, hi = _count;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (_points[mid].T < t)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        _i = lo;
        return _i < _count;
    }

    public long T => _points[_i].T;

    public double V => _points[_i].F;

    public Vigil.Core.Histograms.FloatHistogram? H => _points[_i].H;

    public Exception? Error => null;
}
