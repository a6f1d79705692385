using System.Globalization;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.PromQL.Ast;
using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Engine;

/// <summary>
/// Evaluates PromQL instant and range queries against any <see cref="ISampleQueryable"/> with Prometheus 3.x semantics:
/// 5-minute lookback, staleness markers, left-open ranges, delayed <c>__name__</c> removal, annotations and limits.
/// </summary>
/// <remarks>Thread-safe: queries share nothing but the options. Times are milliseconds since the epoch.</remarks>
public sealed class PromQLEngine
{
    private static readonly HashSet<string> SortFunctions = new(StringComparer.Ordinal) { "sort", "sort_desc", "sort_by_label", "sort_by_label_desc" };

    private readonly EngineOptions _options;

    /// <summary>Creates an engine with the given limits (defaults when null).</summary>
    public PromQLEngine(EngineOptions? options = null) => _options = options ?? new EngineOptions();

    /// <summary>The engine's options.</summary>
    public EngineOptions Options => _options;

    /// <summary>Evaluates <paramref name="query"/> at <paramref name="timeMs"/>.</summary>
    /// <exception cref="PromQLException">The query is invalid, failed, timed out or was canceled.</exception>
    public QueryResult InstantQuery(ISampleQueryable storage, string query, long timeMs, QueryOptions? options = null, CancellationToken cancellationToken = default)
        => Execute(storage, query, timeMs, timeMs, 0, options, cancellationToken);

    /// <summary>Evaluates <paramref name="query"/> at every step from <paramref name="startMs"/> to <paramref name="endMs"/> inclusive.</summary>
    /// <exception cref="PromQLException">The query is invalid, exceeds the limits, failed, timed out or was canceled.</exception>
    public QueryResult RangeQuery(ISampleQueryable storage, string query, long startMs, long endMs, long stepMs, QueryOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (stepMs <= 0)
        {
            throw new PromQLException(QueryErrorType.BadData, "zero or negative query resolution step widths are not accepted. Try a positive integer");
        }
        if (endMs < startMs)
        {
            throw new PromQLException(QueryErrorType.BadData, "end timestamp must not be before start time");
        }
        if ((endMs - startMs) / stepMs > _options.MaxPointsPerSeries)
        {
            throw new PromQLException(QueryErrorType.BadData, string.Create(CultureInfo.InvariantCulture,
                $"exceeded maximum resolution of {_options.MaxPointsPerSeries:N0} points per timeseries. Try decreasing the query resolution (?step=XX)"));
        }
        return Execute(storage, query, startMs, endMs, stepMs, options, cancellationToken);
    }

    /// <summary>Parses a query as this engine would, throwing a <see cref="PromQLException"/> of type bad_data on error.</summary>
    public Expr Parse(string query)
    {
        try
        {
            return PromQLParser.ParseExpr(query, _options.Parser);
        }
        catch (PromQLParseException e)
        {
            throw new PromQLException(QueryErrorType.BadData, e.Message, e.Position, e);
        }
    }

    private QueryResult Execute(ISampleQueryable storage, string query, long start, long end, long step, QueryOptions? options, CancellationToken userToken)
    {
        // Note: evaluation is synchronous, so the thread's allocations are the query's.
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            return ExecuteCore(storage, query, start, end, step, options, userToken);
        }
        catch (InsufficientExecutionStackException e)
        {
            // Note: the parser's depth limit keeps this from happening on an ordinary thread; a tiny stack still gets an error, not a crash.
            throw new PromQLException(QueryErrorType.BadData, "expression is nested too deeply to evaluate on this thread", null, e);
        }
        finally
        {
            long threshold = _options.ReturnMemoryAfterBytes;
            if (threshold > 0 && GC.GetAllocatedBytesForCurrentThread() - allocatedBefore >= threshold)
            {
                MemoryReturn.AfterLargeQuery();
            }
        }
    }

    private QueryResult ExecuteCore(ISampleQueryable storage, string query, long start, long end, long step, QueryOptions? options, CancellationToken userToken)
    {
        ArgumentNullException.ThrowIfNull(storage);
        bool isRange = step != 0;
        var expr = Parse(query);
        if (isRange && expr.Type is not (ExprType.Vector or ExprType.Scalar))
        {
            throw new PromQLException(QueryErrorType.BadData,
                "invalid expression type " + GoText.Quote(expr.Type.Documented()) + " for range query, must be Scalar or instant Vector");
        }
        expr = Preprocessor.Prepare(expr, start, end, step);
        long lookback = (long)(options?.LookbackDelta ?? _options.LookbackDelta).TotalMilliseconds;
        if (lookback <= 0)
        {
            lookback = (long)_options.LookbackDelta.TotalMilliseconds;
        }
        var ctx = new QueryContext(query, userToken, options?.Timeout ?? _options.Timeout)
        {
            MaxSamples = _options.MaxSamples,
            LookbackMs = lookback,
            DefaultSubqueryStep = _options.DefaultSubqueryStep,
            DelayedNameRemoval = _options.DelayedNameRemoval,
        };
        ctx.CheckCancel("query execution");
        IQuerier? querier = null;
        List<EvalSeries>? mat = null;
        try
        {
            var (mint, maxt, any) = Preprocessor.FindMinMaxTime(expr, start, end, lookback);
            if (any && storage is IQueryPushdown pushdown)
            {
                // Note: the store that holds the data evaluates the whole expression; this engine only checked it.
                return RemoteQuery.Run(pushdown, query, start, end, step, options?.LookbackDelta, ctx);
            }
            if (any)
            {
                querier = storage.Querier(mint, maxt);
                ctx.Querier = querier;
                Preprocessor.PopulateSeries(expr, querier, start, end, step, lookback, _options.DefaultSubqueryStep);
            }
            Preprocessor.SetOffsetForAtModifier(start, expr);
            if (isRange)
            {
                AstWalker.Inspect(expr, (node, _) =>
                {
                    if (node is Call c && SortFunctions.Contains(c.Func.Name))
                    {
                        ctx.Annotations.Warn(AnnotationText.IneffectiveSort, c.Position);
                    }
                });
            }
            QueryValue value;
            if (expr.Type == ExprType.String)
            {
                value = new StringValue(start, Evaluator.StringArg(expr));
            }
            else
            {
                var evaluator = new Evaluator(ctx, start, end, isRange ? step : 1);
                mat = evaluator.EvalTopLevel(expr);
                ctx.CheckCancel("expression evaluation");
                value = ToValue(mat, expr.Type, isRange, start);
            }
            var (warnings, infos) = ctx.Annotations.Render(query);
            return new QueryResult(value, warnings, infos, ctx.SamplesLoaded, ctx.PeakSamples);
        }
        catch (PromQLException e)
        {
            var (warnings, _) = ctx.Annotations.Render(query);
            throw new PromQLException(e.ErrorType, e.Message, e.Position, e.InnerException) { Warnings = warnings };
        }
        catch (RemoteStorageException e)
        {
            throw RemoteQuery.Error(e, ctx);
        }
        catch (StorageException e)
        {
            throw new PromQLException(QueryErrorType.Internal, e.Message, null, e);
        }
        finally
        {
            if (mat is not null)
            {
                PointPool.Release(mat);
            }
            querier?.Dispose();
        }
    }

    private static QueryValue ToValue(List<EvalSeries> mat, ExprType type, bool isRange, long start)
    {
        if (!isRange && type == ExprType.Vector)
        {
            var samples = new LabeledSample[mat.Count];
            for (int i = 0; i < mat.Count; i++)
            {
                samples[i] = new LabeledSample(mat[i].Metric, start, mat[i].Points[0].F, mat[i].Points[0].H);
            }
            return new VectorValue(samples);
        }
        if (!isRange && type == ExprType.Scalar)
        {
            return new ScalarValue(start, mat.Count > 0 && mat[0].Count > 0 ? mat[0].Points[0].F : double.NaN);
        }
        // Note: the pooled point buffers move into the result without a copy; QueryResult.Dispose gives them back.
        var series = new Series[mat.Count];
        for (int i = 0; i < mat.Count; i++)
        {
            series[i] = new Series(mat[i].Metric, mat[i].Points, mat[i].Count);
            mat[i].Points = [];
            mat[i].Count = 0;
        }
        Array.Sort(series, static (a, b) => LabelSet.Compare(a.Metric, b.Metric));
        return new MatrixValue(series) { Pooled = true };
    }
}
