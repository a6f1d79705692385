using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;

namespace Vigil.Server.Api;

/// <summary>
/// <c>/api/v1/status/tsdb</c> in Prometheus's shape: <c>headStats</c> and the top-N cardinality lists
/// (<c>seriesCountByMetricName</c>, <c>labelValueCountByLabelName</c>, <c>memoryInBytesByLabelName</c>,
/// <c>seriesCountByLabelValuePair</c>).
/// </summary>
/// <remarks>
/// Prometheus reports its in-memory head only; Vigil computes the same statistics through the storage contracts over
/// everything the storage holds, so they also work on a remote backend. <c>chunkCount</c> is not part of those
/// contracts and is left out. Thread-safe: each request opens its own querier.
/// </remarks>
internal sealed class TsdbStatusApi(IStorage storage, TimeProvider clock, ILogger logger)
{
    /// <summary>How far back from now the newest-sample scan starts; older tails are read only when nothing is newer.</summary>
    private const long RecentWindowMs = 60 * 60 * 1000;

    public async Task TsdbAsync(HttpContext ctx)
    {
        try
        {
            var p = await RequestParameters.ReadAsync(ctx.Request, ctx.RequestAborted).ConfigureAwait(false);
            int limit = ParseLimit(p.Get("limit"));
            var stats = Compute(ctx.RequestAborted);
            await WriteAsync(ctx, stats, limit).ConfigureAwait(false);
        }
        catch (ApiException e) when (!ctx.Response.HasStarted)
        {
            await ApiJson.WriteErrorAsync(ctx, e).ConfigureAwait(false);
        }
        catch (StorageException e) when (!ctx.Response.HasStarted)
        {
            logger.LogWarning("{Path}: storage failed: {Error}", ctx.Request.Path, e.Message);
            await ApiJson.WriteErrorAsync(ctx, ApiException.Execution(e.Message)).ConfigureAwait(false);
        }
    }

    /// <summary>Prometheus's rule: <c>limit</c> defaults to 10 and must be a positive integer.</summary>
    internal static int ParseLimit(string? text)
    {
        if (text is null || text.Length == 0)
        {
            return 10;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int limit) && limit > 0
            ? limit
            : throw ApiException.BadData("limit must be a positive number");
    }

    /// <summary>Reads every series' labels once, and the tail of their samples for the newest timestamp.</summary>
    internal TsdbStats Compute(CancellationToken ct)
    {
        var stats = new TsdbStats();
        long start = storage.StartTime;
        if (start == long.MaxValue)
        {
            return stats;
        }
        long now = Timestamp.Now(clock);
        var all = new LabelMatcher(MatchOp.Regexp, LabelSet.MetricName, ".+");
        using (var q = storage.Querier(Timestamp.Min, Timestamp.Max))
        {
            var set = q.Select(false, new SelectHints(Timestamp.Min, Timestamp.Max, Func: "series"), all);
            while (set.MoveNext())
            {
                ct.ThrowIfCancellationRequested();
                stats.Add(set.Current.Labels);
            }
            ThrowIfFailed(set);
        }
        stats.MinTime = start;
        stats.MaxTime = NewestSample(now - RecentWindowMs, ct);
        if (stats.MaxTime == long.MinValue)
        {
            stats.MaxTime = NewestSample(Timestamp.Min, ct);
        }
        return stats;
    }

    private long NewestSample(long from, CancellationToken ct)
    {
        long newest = long.MinValue;
        var all = new LabelMatcher(MatchOp.Regexp, LabelSet.MetricName, ".+");
        using var q = storage.Querier(from, Timestamp.Max);
        var set = q.Select(false, new SelectHints(from, Timestamp.Max), all);
        ISampleIterator? it = null;
        while (set.MoveNext())
        {
            ct.ThrowIfCancellationRequested();
            it = set.Current.Iterator(it);
            while (it.Next())
            {
                if (it.T > newest)
                {
                    newest = it.T;
                }
            }
            if (it.Error is { } e)
            {
                throw new StorageException(e.Message, e);
            }
        }
        ThrowIfFailed(set);
        return newest;
    }

    private static void ThrowIfFailed(ISeriesSet set)
    {
        if (set.Error is { } e)
        {
            throw e as StorageException ?? new StorageException(e.Message, e);
        }
    }

    private static async Task WriteAsync(HttpContext ctx, TsdbStats stats, int limit)
    {
        var w = ApiJson.BeginSuccess(ctx);
        await using (w.ConfigureAwait(false))
        {
            w.WriteStartObject("data"u8);
            w.WriteStartObject("headStats"u8);
            w.WriteNumber("numSeries"u8, stats.NumSeries);
            w.WriteNumber("numLabelPairs"u8, stats.NumLabelPairs);
            w.WriteNumber("minTime"u8, stats.NumSeries == 0 ? 0 : stats.MinTime);
            w.WriteNumber("maxTime"u8, stats.NumSeries == 0 ? 0 : stats.MaxTime);
            w.WriteEndObject();
            WriteTop(w, "seriesCountByMetricName"u8, stats.SeriesCountByMetricName(), limit);
            WriteTop(w, "labelValueCountByLabelName"u8, stats.LabelValueCountByLabelName(), limit);
            WriteTop(w, "memoryInBytesByLabelName"u8, stats.MemoryInBytesByLabelName(), limit);
            WriteTop(w, "seriesCountByLabelValuePair"u8, stats.SeriesCountByLabelValuePair(), limit);
            w.WriteEndObject();
            await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
        }
    }

    private static void WriteTop(Utf8JsonWriter w, ReadOnlySpan<byte> name, List<KeyValuePair<string, long>> entries, int limit)
    {
        entries.Sort(static (a, b) => a.Value != b.Value ? b.Value.CompareTo(a.Value) : string.CompareOrdinal(a.Key, b.Key));
        w.WriteStartArray(name);
        for (int i = 0; i < entries.Count && i < limit; i++)
        {
            w.WriteStartObject();
            w.WriteString("name"u8, entries[i].Key);
            w.WriteNumber("value"u8, entries[i].Value);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
