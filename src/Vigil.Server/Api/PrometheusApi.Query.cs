using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vigil.Core.Storage;
using Vigil.PromQL.Engine;
using Vigil.PromQL.Parser;

namespace Vigil.Server.Api;

/// <summary>The PromQL endpoints: <c>/api/v1/query</c>, <c>/api/v1/query_range</c>, <c>/api/v1/format_query</c>, <c>/api/v1/query_exemplars</c>.</summary>
internal sealed partial class PrometheusApi
{
    public Task QueryAsync(HttpContext ctx) => RunAsync(ctx, QueryCoreAsync);

    public Task QueryRangeAsync(HttpContext ctx) => RunAsync(ctx, QueryRangeCoreAsync);

    public Task FormatQueryAsync(HttpContext ctx) => RunAsync(ctx, FormatQueryCoreAsync);

    public Task QueryExemplarsAsync(HttpContext ctx) => RunAsync(ctx, QueryExemplarsCoreAsync);

    private async Task QueryCoreAsync(HttpContext ctx, RequestParameters p)
    {
        int limit = ParseLimit(p);
        long time = ParseTime(p, "time", _clock.GetUtcNow().ToUnixTimeMilliseconds());
        var options = ParseQueryOptions(p);
        string query = p.Get("query") ?? string.Empty;
        var (result, timings) = await ExecuteAsync(ctx, ct => _engine.InstantQuery(_storage, query, time, options, ct)).ConfigureAwait(false);
        using (result)
        {
            await WriteQueryResultAsync(ctx, p, result, timings, limit).ConfigureAwait(false);
        }
    }

    private async Task QueryRangeCoreAsync(HttpContext ctx, RequestParameters p)
    {
        int limit = ParseLimit(p);
        long start = ParseRequiredTime(p, "start");
        long end = ParseRequiredTime(p, "end");
        if (end < start)
        {
            throw ApiException.InvalidParameter("end", "end timestamp must not be before start time");
        }
        var step = ParseDuration(p, "step", p.Get("step") ?? string.Empty);
        if (step <= TimeSpan.Zero)
        {
            throw ApiException.InvalidParameter("step", "zero or negative query resolution step widths are not accepted. Try a positive integer");
        }
        // Note: like Prometheus, the resolution limit uses integer division of the exact durations.
        int maxPoints = _engine.Options.MaxPointsPerSeries;
        if ((end - start) * TimeSpan.TicksPerMillisecond / step.Ticks > maxPoints)
        {
            throw ApiException.BadData(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"exceeded maximum resolution of {maxPoints:N0} points per timeseries. Try decreasing the query resolution (?step=XX)"));
        }
        long stepMs = (long)step.TotalMilliseconds;
        if (stepMs <= 0)
        {
            throw ApiException.InvalidParameter("step", "zero or negative query resolution step widths are not accepted. Try a positive integer");
        }
        var options = ParseQueryOptions(p);
        string query = p.Get("query") ?? string.Empty;
        var (result, timings) = await ExecuteAsync(ctx, ct => _engine.RangeQuery(_storage, query, start, end, stepMs, options, ct)).ConfigureAwait(false);
        using (result)
        {
            await WriteQueryResultAsync(ctx, p, result, timings, limit).ConfigureAwait(false);
        }
    }

    private async Task FormatQueryCoreAsync(HttpContext ctx, RequestParameters p)
    {
        string formatted = PromQLParser.Prettify(ParseQuery(p.Get("query") ?? string.Empty, "query"));
        var w = ApiJson.BeginSuccess(ctx);
        await using (w.ConfigureAwait(false))
        {
            w.WriteString("data"u8, formatted);
            await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
        }
    }

    /// <summary>Vigil stores no exemplars: validates the parameters as Prometheus does and answers with an empty list.</summary>
    private async Task QueryExemplarsCoreAsync(HttpContext ctx, RequestParameters p)
    {
        var (start, end) = ParseRange(p);
        if (end < start)
        {
            throw ApiException.BadData("end timestamp must not be before start timestamp");
        }
        ParseQuery(p.Get("query") ?? string.Empty, null);
        var w = ApiJson.BeginSuccess(ctx);
        await using (w.ConfigureAwait(false))
        {
            w.WriteStartArray("data"u8);
            w.WriteEndArray();
            await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
        }
    }

    private static PromQL.Ast.Expr ParseQuery(string query, string? parameter)
    {
        try
        {
            return PromQLParser.ParseExpr(query);
        }
        catch (PromQLParseException e)
        {
            throw parameter is null ? ApiException.BadData(e.Message) : ApiException.InvalidParameter(parameter, e.Message);
        }
    }

    /// <summary>The per-query options: <c>timeout</c> (capped by the engine's own) and <c>lookback_delta</c>.</summary>
    private QueryOptions ParseQueryOptions(RequestParameters p)
    {
        TimeSpan? timeout = null;
        if (p.Get("timeout") is { } timeoutText)
        {
            var t = ParseDuration(p, "timeout", timeoutText);
            timeout = t < _engine.Options.Timeout ? t : _engine.Options.Timeout;
        }
        TimeSpan? lookback = null;
        if (p.Get("lookback_delta") is { } lookbackText)
        {
            if (!ApiDuration.TryParse(lookbackText, out var d, out string error))
            {
                throw ApiException.BadData("error parsing lookback delta duration: " + error);
            }
            lookback = d;
        }
        return new QueryOptions { Timeout = timeout, LookbackDelta = lookback };
    }

    private static TimeSpan ParseDuration(RequestParameters p, string name, string text)
        => ApiDuration.TryParse(text, out var d, out string error) ? d : throw ApiException.InvalidParameter(name, error);

    /// <summary>Runs a query once a query slot is free, cancelled when the client goes away; maps engine errors to API errors.</summary>
    private async Task<(QueryResult Result, QueryTimings Timings)> ExecuteAsync(HttpContext ctx, Func<CancellationToken, QueryResult> run)
    {
        long begin = Stopwatch.GetTimestamp();
        await _querySlots.WaitAsync(ctx.RequestAborted).ConfigureAwait(false);
        try
        {
            long evalBegin = Stopwatch.GetTimestamp();
            var result = run(ctx.RequestAborted);
            long done = Stopwatch.GetTimestamp();
            return (result, new QueryTimings(Stopwatch.GetElapsedTime(begin, evalBegin), Stopwatch.GetElapsedTime(evalBegin, done), Stopwatch.GetElapsedTime(begin, done)));
        }
        catch (PromQLException e)
        {
            if (e.ErrorType == QueryErrorType.Canceled && ctx.RequestAborted.IsCancellationRequested)
            {
                throw new OperationCanceledException(e.Message, e, ctx.RequestAborted);
            }
            if (e.InnerException is RemoteStorageException remote)
            {
                // Note: the remote store's failure keeps its own shape (bad data, unavailable, timeout, a bad answer).
                _logger.LogWarning("{Path}: {Error}", ctx.Request.Path, e.Message);
                throw ApiException.Remote(remote);
            }
            if (e.ErrorType == QueryErrorType.Internal)
            {
                _logger.LogWarning("{Path}: query failed: {Error}", ctx.Request.Path, e.Message);
            }
            throw e.ErrorType == QueryErrorType.BadData
                ? ApiException.InvalidParameter("query", e.Message)
                : new ApiException(e.ErrorType.ApiName(), e.Message, e.ErrorType.HttpStatus());
        }
        finally
        {
            _querySlots.Release();
        }
    }

    private static async Task WriteQueryResultAsync(HttpContext ctx, RequestParameters p, QueryResult result, QueryTimings timings, int limit)
    {
        var warnings = new List<string>(result.Warnings);
        var w = ApiJson.BeginSuccess(ctx);
        await using (w.ConfigureAwait(false))
        {
            w.WriteStartObject("data"u8);
            await QueryJson.WriteResultAsync(ctx, w, result.Value, limit, warnings).ConfigureAwait(false);
            if (p.Get("stats") is not null)
            {
                QueryJson.WriteStats(w, timings, result);
            }
            w.WriteEndObject();
            await ApiJson.EndSuccessAsync(ctx, w, warnings, result.Infos).ConfigureAwait(false);
        }
    }
}
