using System.Globalization;
using System.Runtime.CompilerServices;
using Vigil.Core.Storage;
using Vigil.PromQL.Ast;

namespace Vigil.PromQL.Engine;

/// <summary>
/// Prepares a parsed tree for evaluation as Prometheus does: folds <c>start()</c>/<c>end()</c>/<c>step()</c>/<c>range()</c>
/// into numbers, resolves duration expressions, wraps step-invariant parts, resolves <c>@ start()</c>/<c>@ end()</c>,
/// turns <c>@</c> into offsets relative to the evaluation start and selects series from storage with hints.
/// </summary>
internal static class Preprocessor
{
    /// <summary>Runs the preprocessing passes; returns the (possibly wrapped) root.</summary>
    public static Expr Prepare(Expr expr, long start, long end, long step)
    {
        expr = FoldQueryContextFunctions(expr, start, end, step);
        ResolveDurations(expr, step, end - start);
        if (Helper(expr, start, end))
        {
            expr = new StepInvariantExpr(expr);
        }
        return expr;
    }

    private static Expr FoldQueryContextFunctions(Expr e, long start, long end, long step)
    {
        // Note: the parser bounds the depth; this turns a too-small stack into an exception instead of a crash.
        RuntimeHelpers.EnsureSufficientExecutionStack();
        if (e is Call c && c.Args.Count == 0)
        {
            double? v = c.Func.Name switch
            {
                "start" => start / 1000.0,
                "end" => end / 1000.0,
                "step" => step / 1000.0,
                "range" => (end - start) / 1000.0,
                _ => null,
            };
            if (v is double d)
            {
                return new NumberLiteral(d, c.Position);
            }
        }
        RewriteChildren(e, child => FoldQueryContextFunctions(child, start, end, step));
        return e;
    }

    /// <summary>Replaces each direct child with <paramref name="f"/>(child).</summary>
    public static void RewriteChildren(Expr e, Func<Expr, Expr> f)
    {
        switch (e)
        {
            case ParenExpr p:
                p.Inner = f(p.Inner);
                break;
            case UnaryExpr u:
                u.Operand = f(u.Operand);
                break;
            case BinaryExpr b:
                b.Lhs = f(b.Lhs);
                b.Rhs = f(b.Rhs);
                break;
            case AggregateExpr a:
                if (a.Param is not null)
                {
                    a.Param = f(a.Param);
                }
                a.Inner = f(a.Inner);
                break;
            case Call c:
                for (int i = 0; i < c.Args.Count; i++)
                {
                    c.Args[i] = f(c.Args[i]);
                }
                break;
            case SubqueryExpr sq:
                sq.Inner = f(sq.Inner);
                break;
        }
    }

    private static void ResolveDurations(Expr root, long step, long range)
    {
        AstWalker.Inspect(root, (node, _) =>
        {
            switch (node)
            {
                case VectorSelector vs when vs.OriginalOffsetExpr is not null:
                    vs.OriginalOffset = DurationMs(vs.OriginalOffsetExpr, step, range, allowNegative: true);
                    break;
                case MatrixSelector ms when ms.RangeExpr is not null:
                    ms.Range = DurationMs(ms.RangeExpr, step, range, allowNegative: false);
                    break;
                case SubqueryExpr sq:
                    if (sq.OriginalOffsetExpr is not null)
                    {
                        sq.OriginalOffset = DurationMs(sq.OriginalOffsetExpr, step, range, allowNegative: true);
                    }
                    if (sq.StepExpr is not null)
                    {
                        sq.Step = DurationMs(sq.StepExpr, step, range, allowNegative: false);
                    }
                    if (sq.RangeExpr is not null)
                    {
                        sq.Range = DurationMs(sq.RangeExpr, step, range, allowNegative: false);
                    }
                    break;
            }
        });
    }

    private static long DurationMs(DurationExpr e, long step, long range, bool allowNegative)
    {
        double seconds = DurationEvaluator.Seconds(e, step, range);
        var pos = e.Position;
        if (seconds <= 0 && !allowNegative)
        {
            throw new PromQLException(QueryErrorType.BadData, string.Create(CultureInfo.InvariantCulture, $"{pos.Start}:{pos.End}: duration must be greater than 0"));
        }
        if (double.IsNaN(seconds) || seconds > 9223372036.854775807 || seconds < -9223372036.854775808)
        {
            throw new PromQLException(QueryErrorType.BadData, string.Create(CultureInfo.InvariantCulture, $"{pos.Start}:{pos.End}: duration is out of range"));
        }
        return (long)(seconds * 1000);
    }

    /// <summary>Wraps step-invariant children; returns whether <paramref name="e"/> itself is step invariant.</summary>
    private static bool Helper(Expr e, long start, long end)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (e)
        {
            case VectorSelector vs:
                ResolveAt(vs, start, end);
                return vs.Timestamp is not null;
            case AggregateExpr a:
            {
                bool inner = Helper(a.Inner, start, end);
                bool param = a.Param is null || Helper(a.Param, start, end);
                if (inner && param)
                {
                    return true;
                }
                if (inner)
                {
                    a.Inner = new StepInvariantExpr(a.Inner);
                }
                return false;
            }
            case BinaryExpr b:
            {
                bool l = Helper(b.Lhs, start, end);
                bool r = Helper(b.Rhs, start, end);
                if (l && r)
                {
                    return true;
                }
                if (l)
                {
                    b.Lhs = new StepInvariantExpr(b.Lhs);
                }
                if (r)
                {
                    b.Rhs = new StepInvariantExpr(b.Rhs);
                }
                return false;
            }
            case Call c:
            {
                bool invariant = !FunctionCatalog.AtModifierUnsafe.Contains(c.Func.Name);
                var flags = new bool[c.Args.Count];
                for (int i = 0; i < c.Args.Count; i++)
                {
                    flags[i] = Helper(c.Args[i], start, end);
                    invariant &= flags[i];
                }
                if (invariant)
                {
                    return true;
                }
                for (int i = 0; i < flags.Length; i++)
                {
                    if (flags[i])
                    {
                        c.Args[i] = new StepInvariantExpr(c.Args[i]);
                    }
                }
                return false;
            }
            case MatrixSelector ms:
                return Helper(ms.Selector, start, end);
            case SubqueryExpr sq:
            {
                if (Helper(sq.Inner, start, end))
                {
                    sq.Inner = new StepInvariantExpr(sq.Inner);
                }
                if (sq.StartOrEnd == AtPreprocessor.Start)
                {
                    sq.Timestamp = start;
                }
                else if (sq.StartOrEnd == AtPreprocessor.End)
                {
                    sq.Timestamp = end;
                }
                return sq.Timestamp is not null;
            }
            case ParenExpr p:
                return Helper(p.Inner, start, end);
            case UnaryExpr u:
                return Helper(u.Operand, start, end);
            case StringLiteral or NumberLiteral:
                return true;
            case StepInvariantExpr:
                return true;
            case DurationExpr:
                return true;
        }
        throw new PromQLException(QueryErrorType.Internal, "found unexpected node " + e.GetType().Name);
    }

    private static void ResolveAt(VectorSelector vs, long start, long end)
    {
        if (vs.StartOrEnd == AtPreprocessor.Start)
        {
            vs.Timestamp = start;
        }
        else if (vs.StartOrEnd == AtPreprocessor.End)
        {
            vs.Timestamp = end;
        }
    }

    /// <summary>The summed offsets and ranges of enclosing subqueries, reset at the innermost one with <c>@</c>.</summary>
    private static (long Offset, long Range, long? Ts) SubqueryTimes(IReadOnlyList<Expr> path)
    {
        long offset = 0, range = 0;
        long? ts = null;
        foreach (var node in path)
        {
            if (node is SubqueryExpr sq)
            {
                offset += sq.OriginalOffset;
                range += sq.Range;
                if (sq.Timestamp is long t)
                {
                    offset = sq.OriginalOffset;
                    range = sq.Range;
                    ts = t;
                }
            }
        }
        return (offset, range, ts);
    }

    /// <summary>Sets every selector's effective offset so that <c>@ t</c> is read relative to <paramref name="evalTime"/>.</summary>
    public static void SetOffsetForAtModifier(long evalTime, Expr expr)
    {
        long GetOffset(long? ts, long originalOffset, IReadOnlyList<Expr> path)
        {
            if (ts is not long t)
            {
                return originalOffset;
            }
            var (subqOffset, _, subqTs) = SubqueryTimes(path);
            if (subqTs is long st)
            {
                subqOffset += evalTime - st;
            }
            long offsetForTs = evalTime - t;
            return originalOffset + (offsetForTs - subqOffset);
        }

        AstWalker.Inspect(expr, (node, path) =>
        {
            switch (node)
            {
                case VectorSelector vs:
                    vs.Offset = GetOffset(vs.Timestamp, vs.OriginalOffset, path);
                    break;
                case SubqueryExpr sq:
                    sq.Offset = GetOffset(sq.Timestamp, sq.OriginalOffset, path);
                    break;
            }
        });
    }

    private static (long Start, long End) SelectorTimeRange(VectorSelector vs, IReadOnlyList<Expr> path, long start, long end, long lookback, long evalRange)
    {
        var (subqOffset, subqRange, subqTs) = SubqueryTimes(path);
        if (subqTs is long st)
        {
            start = st;
            end = st;
        }
        if (vs.Timestamp is long t)
        {
            start = t;
            end = t;
        }
        else
        {
            start = start - subqOffset - subqRange;
            end -= subqOffset;
        }
        start -= evalRange == 0 ? lookback - 1 : evalRange - 1;
        if (evalRange != 0 && (vs.Anchored || vs.Smoothed))
        {
            start -= lookback;
        }
        if (vs.Smoothed)
        {
            end += lookback;
        }
        start -= vs.OriginalOffset;
        end -= vs.OriginalOffset;
        return (start, end);
    }

    /// <summary>The overall [mint, maxt] the query reads (0, 0 when it selects nothing).</summary>
    public static (long MinT, long MaxT, bool Any) FindMinMaxTime(Expr expr, long start, long end, long lookback)
    {
        long min = long.MaxValue, max = long.MinValue;
        ForEachSelector(expr, start, end, lookback, (_, s, e, _) =>
        {
            min = Math.Min(min, s);
            max = Math.Max(max, e);
        });
        return max == long.MinValue ? (0, 0, false) : (min, max, true);
    }

    /// <summary>Selects the series of every selector with hints about the time range, step and enclosing function.</summary>
    public static void PopulateSeries(Expr expr, IQuerier querier, long start, long end, long interval, long lookback, Func<long, long> defaultSubqueryStep)
    {
        ForEachSelector(expr, start, end, lookback, (vs, s, e, path) =>
        {
            long step = interval;
            foreach (var node in path)
            {
                if (node is SubqueryExpr sq)
                {
                    step = sq.Step != 0 ? sq.Step : defaultSubqueryStep(sq.Range);
                }
            }
            var hints = new SelectHints(s, e, step, FunctionFromPath(path));
            vs.SeriesSet = querier.Select(false, hints, vs.Matchers.ToArray());
        });
    }

    private static string? FunctionFromPath(IReadOnlyList<Expr> path)
    {
        for (int i = path.Count - 1; i >= 0; i--)
        {
            switch (path[i])
            {
                case AggregateExpr a:
                    return a.Op.Text();
                case Call c:
                    return c.Func.Name;
                case BinaryExpr:
                    return null;
            }
        }
        return null;
    }

    private static void ForEachSelector(Expr expr, long start, long end, long lookback, Action<VectorSelector, long, long, IReadOnlyList<Expr>> action)
    {
        AstWalker.Inspect(expr, (node, path) =>
        {
            switch (node)
            {
                case MatrixSelector ms:
                {
                    var (s, e) = SelectorTimeRange(ms.Selector, path, start, end, lookback, ms.Range);
                    action(ms.Selector, s, e, path);
                    break;
                }
                case VectorSelector vs when (path.Count == 0 || path[^1] is not MatrixSelector) && !Evaluator.IsInfoLabelSelector(vs, path):
                {
                    var (s, e) = SelectorTimeRange(vs, path, start, end, lookback, 0);
                    action(vs, s, e, path);
                    break;
                }
            }
        });
    }
}

/// <summary>Evaluates duration expressions to seconds.</summary>
internal static class DurationEvaluator
{
    public static double Seconds(Expr e, long stepMs, long rangeMs)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (e)
        {
            case NumberLiteral n:
                return n.Value;
            case DurationExpr d:
            {
                double lhs = d.Lhs is null ? 0 : Seconds(d.Lhs, stepMs, rangeMs);
                double rhs = d.Rhs is null ? 0 : Seconds(d.Rhs, stepMs, rangeMs);
                var pos = d.Position;
                switch (d.Op)
                {
                    case DurationOp.Step:
                        return stepMs / 1000.0;
                    case DurationOp.Range:
                        return rangeMs / 1000.0;
                    case DurationOp.Min:
                        return Math.Min(lhs, rhs);
                    case DurationOp.Max:
                        return Math.Max(lhs, rhs);
                    case DurationOp.Add:
                        return d.Lhs is null ? rhs : lhs + rhs;
                    case DurationOp.Sub:
                        return d.Lhs is null ? -rhs : lhs - rhs;
                    case DurationOp.Mul:
                        return lhs * rhs;
                    case DurationOp.Div:
                        if (rhs == 0)
                        {
                            throw new PromQLException(QueryErrorType.BadData, string.Create(CultureInfo.InvariantCulture, $"{pos.Start}:{pos.End}: division by zero"));
                        }
                        return lhs / rhs;
                    case DurationOp.Mod:
                        if (rhs == 0)
                        {
                            throw new PromQLException(QueryErrorType.BadData, string.Create(CultureInfo.InvariantCulture, $"{pos.Start}:{pos.End}: modulo by zero"));
                        }
                        return lhs % rhs;
                    default:
                        return Math.Pow(lhs, rhs);
                }
            }
            case ParenExpr p:
                return Seconds(p.Inner, stepMs, rangeMs);
            default:
                throw new PromQLException(QueryErrorType.BadData, "unexpected duration expression type " + e.GetType().Name);
        }
    }
}
