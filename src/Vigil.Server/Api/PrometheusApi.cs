using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.PromQL.Engine;
using Vigil.PromQL.Parser;

namespace Vigil.Server.Api;

/// <summary>
/// Prometheus's HTTP API over any <see cref="ISampleQueryable"/>: the metadata endpoints (<c>/api/v1/series</c>,
/// <c>/api/v1/labels</c>, <c>/api/v1/label/&lt;name&gt;/values</c>) here, PromQL queries in <c>PrometheusApi.Query.cs</c>,
/// build information in <c>PrometheusApi.Status.cs</c>, plus VictoriaMetrics' <c>/api/v1/export</c> (JSON lines of raw
/// samples) that <c>vigil dump</c> reads. Parameters, JSON shapes and error wording follow Prometheus.
/// </summary>
/// <remarks>Thread-safe: every request opens its own querier; at most the configured number of queries evaluate at once.</remarks>
internal sealed partial class PrometheusApi : IDisposable
{
    private static readonly IComparer<LabelSet> LabelOrder = Comparer<LabelSet>.Create(LabelSet.Compare);

    private readonly ISampleQueryable _storage;
    private readonly PromQLEngine _engine;
    private readonly SemaphoreSlim _querySlots;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;

    public PrometheusApi(ISampleQueryable storage, PromQLEngine engine, int maxConcurrentQueries, TimeProvider clock, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrentQueries, 1);
        _storage = storage;
        _engine = engine;
        _querySlots = new SemaphoreSlim(maxConcurrentQueries, maxConcurrentQueries);
        _clock = clock;
        _logger = logger;
    }

    public void Dispose() => _querySlots.Dispose();

    public Task SeriesAsync(HttpContext ctx) => RunAsync(ctx, SeriesCoreAsync);

    public Task LabelNamesAsync(HttpContext ctx) => RunAsync(ctx, LabelNamesCoreAsync);

    public Task LabelValuesAsync(HttpContext ctx) => RunAsync(ctx, LabelValuesCoreAsync);

    public Task ExportAsync(HttpContext ctx) => RunAsync(ctx, ExportCoreAsync);

    private async Task RunAsync(HttpContext ctx, Func<HttpContext, RequestParameters, Task> handler)
    {
        try
        {
            var p = await RequestParameters.ReadAsync(ctx.Request, ctx.RequestAborted).ConfigureAwait(false);
            await handler(ctx, p).ConfigureAwait(false);
        }
        catch (ApiException e) when (!ctx.Response.HasStarted)
        {
            await ApiJson.WriteErrorAsync(ctx, e).ConfigureAwait(false);
        }
        catch (RemoteStorageException e) when (!ctx.Response.HasStarted)
        {
            _logger.LogWarning("{Path}: {Error}", ctx.Request.Path, e.Message);
            await ApiJson.WriteErrorAsync(ctx, ApiException.Remote(e)).ConfigureAwait(false);
        }
        catch (StorageException e) when (!ctx.Response.HasStarted)
        {
            _logger.LogWarning("{Path}: storage failed: {Error}", ctx.Request.Path, e.Message);
            await ApiJson.WriteErrorAsync(ctx, ApiException.Execution(e.Message)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // Note: the client went away; there is no one left to answer.
            _logger.LogDebug("{Path}: client closed the connection", ctx.Request.Path);
        }
    }

    private async Task SeriesCoreAsync(HttpContext ctx, RequestParameters p)
    {
        var matchValues = p.GetAll("match[]");
        if (matchValues.Count == 0)
        {
            throw ApiException.BadData("no match[] parameter provided");
        }
        int limit = ParseLimit(p);
        var (start, end) = ParseRange(p);
        var matcherSets = ParseMatchers(matchValues);
        var warnings = new List<string>();
        var found = new SortedSet<LabelSet>(LabelOrder);
        using (var q = _storage.Querier(start, end))
        {
            var hints = new SelectHints(start, end, Func: "series", Limit: limit);
            foreach (var set in matcherSets)
            {
                var ss = q.Select(true, hints, set);
                while (ss.MoveNext())
                {
                    found.Add(ss.Current.Labels);
                }
                ThrowIfFailed(ss);
                warnings.AddRange(ss.Warnings);
            }
        }
        var w = ApiJson.BeginSuccess(ctx);
        await using (w.ConfigureAwait(false))
        {
            w.WriteStartArray("data"u8);
            int n = 0;
            foreach (var labels in found)
            {
                if (limit > 0 && n == limit)
                {
                    warnings.Add("results truncated due to limit");
                    break;
                }
                ApiJson.WriteLabels(w, labels);
                n++;
                await ApiJson.MaybeFlushAsync(ctx, w).ConfigureAwait(false);
            }
            w.WriteEndArray();
            await ApiJson.EndSuccessAsync(ctx, w, warnings).ConfigureAwait(false);
        }
    }

    private async Task LabelNamesCoreAsync(HttpContext ctx, RequestParameters p)
    {
        int limit = ParseLimit(p);
        var (start, end) = ParseRange(p);
        var matcherSets = ParseMatchers(p.GetAll("match[]"));
        var names = new SortedSet<string>(StringComparer.Ordinal);
        using (var q = _storage.Querier(start, end))
        {
            if (matcherSets.Count == 0)
            {
                names.UnionWith(q.LabelNames());
            }
            foreach (var set in matcherSets)
            {
                names.UnionWith(q.LabelNames(set));
            }
        }
        await WriteStringsAsync(ctx, names, limit).ConfigureAwait(false);
    }

    private async Task LabelValuesCoreAsync(HttpContext ctx, RequestParameters p)
    {
        string raw = ctx.Request.RouteValues["name"] as string ?? string.Empty;
        string name = raw.StartsWith("U__", StringComparison.Ordinal) ? UnescapeLabelName(raw) : raw;
        if (!LabelValidation.IsValidName(name))
        {
            throw ApiException.BadData($"invalid label name: \"{name}\"");
        }
        int limit = ParseLimit(p);
        var (start, end) = ParseRange(p);
        var matcherSets = ParseMatchers(p.GetAll("match[]"));
        var values = new SortedSet<string>(StringComparer.Ordinal);
        using (var q = _storage.Querier(start, end))
        {
            if (matcherSets.Count == 0)
            {
                values.UnionWith(q.LabelValues(name));
            }
            foreach (var set in matcherSets)
            {
                values.UnionWith(q.LabelValues(name, set));
            }
        }
        await WriteStringsAsync(ctx, values, limit).ConfigureAwait(false);
    }

    private async Task ExportCoreAsync(HttpContext ctx, RequestParameters p)
    {
        var matchValues = p.GetAll("match[]");
        if (matchValues.Count == 0)
        {
            throw ApiException.BadData("no match[] parameter provided");
        }
        var (start, end) = ParseRange(p);
        var matcherSets = ParseMatchers(matchValues);
        using var q = _storage.Querier(start, end);
        var hints = new SelectHints(start, end);
        // Note: with several match[] the same series can match more than once; a sorted map keeps each once, in order.
        var series = new SortedDictionary<LabelSet, ISeries>(LabelOrder);
        var problems = new List<string>();
        foreach (var set in matcherSets)
        {
            var ss = q.Select(true, hints, set);
            while (ss.MoveNext())
            {
                series.TryAdd(ss.Current.Labels, ss.Current);
            }
            ThrowIfFailed(ss);
            foreach (string warning in ss.Warnings)
            {
                if (!problems.Contains(warning))
                {
                    problems.Add(warning);
                }
            }
        }
        ctx.Response.StatusCode = StatusCodes.Status200OK;
        ctx.Response.ContentType = "application/stream+json";
        var w = new Utf8JsonWriter(ctx.Response.BodyWriter, ApiJson.WriterOptions);
        await using (w.ConfigureAwait(false))
        {
            int unreadable = await WriteExportLinesAsync(ctx, w, series.Values, start, end, problems).ConfigureAwait(false);
            if (problems.Count > 0)
            {
                // Note: the status line is out, so incomplete data is reported by a last line in Prometheus's error shape
                // (a reader expecting only series lines fails on it too, instead of taking a partial export for whole).
                _logger.LogWarning("{Path}: export incomplete: {Error}", ctx.Request.Path, problems[0]);
                w.WriteStartObject();
                w.WriteString("status"u8, "error"u8);
                w.WriteString("errorType"u8, "execution"u8);
                w.WriteString("error"u8, unreadable > 0
                    ? string.Create(CultureInfo.InvariantCulture, $"export incomplete: {unreadable} of {series.Count} series could not be read and were left out (first: {problems[0]})")
                    : "export incomplete: " + problems[0]);
                w.WriteStartArray("errors"u8);
                foreach (string problem in problems.Take(100))
                {
                    w.WriteStringValue(problem);
                }
                w.WriteEndArray();
                w.WriteEndObject();
                w.Flush();
                w.Reset();
                ctx.Response.BodyWriter.Write("\n"u8);
                await ctx.Response.BodyWriter.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes one line per readable series; a series whose samples cannot be read is left out and described in <paramref name="problems"/>. Returns how many were left out.</summary>
    private static async Task<int> WriteExportLinesAsync(HttpContext ctx, Utf8JsonWriter w, IEnumerable<ISeries> series, long start, long end, List<string> problems)
    {
        ISampleIterator? it = null;
        var timestamps = new List<long>();
        var values = new List<double>();
        long unflushed = 0;
        int unreadable = 0;
        foreach (var s in series)
        {
            it = s.Iterator(it);
            timestamps.Clear();
            values.Clear();
            while (it.Next())
            {
                if (it.T < start || it.T > end)
                {
                    continue;
                }
                values.Add(it.V);
                timestamps.Add(it.T);
            }
            if (it.Error is not null)
            {
                unreadable++;
                problems.Add($"reading {s.Labels}: {it.Error.Message}");
                continue;
            }
            w.WriteStartObject();
            w.WritePropertyName("metric"u8);
            ApiJson.WriteLabels(w, s.Labels);
            w.WriteStartArray("values"u8);
            foreach (double v in values)
            {
                WriteValue(w, v);
            }
            w.WriteEndArray();
            w.WriteStartArray("timestamps"u8);
            foreach (long t in timestamps)
            {
                w.WriteNumberValue(t);
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.Flush();
            unflushed += w.BytesCommitted + 1;
            w.Reset();
            ctx.Response.BodyWriter.Write("\n"u8);
            if (unflushed >= ApiJson.FlushThreshold)
            {
                unflushed = 0;
                await ctx.Response.BodyWriter.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
            }
        }
        await ctx.Response.BodyWriter.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        return unreadable;
    }

    /// <summary>Finite values as JSON numbers; NaN (including staleness markers) and infinities as Prometheus spells them, in strings.</summary>
    private static void WriteValue(Utf8JsonWriter w, double v)
    {
        if (double.IsFinite(v))
        {
            w.WriteNumberValue(v);
        }
        else
        {
            w.WriteStringValue(double.IsNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
        }
    }

    private static async Task WriteStringsAsync(HttpContext ctx, IEnumerable<string> values, int limit)
    {
        var warnings = new List<string>();
        var w = ApiJson.BeginSuccess(ctx);
        await using (w.ConfigureAwait(false))
        {
            w.WriteStartArray("data"u8);
            int n = 0;
            foreach (var v in values)
            {
                if (limit > 0 && n == limit)
                {
                    warnings.Add("results truncated due to limit");
                    break;
                }
                w.WriteStringValue(v);
                n++;
            }
            w.WriteEndArray();
            await ApiJson.EndSuccessAsync(ctx, w, warnings).ConfigureAwait(false);
        }
    }

    private static void ThrowIfFailed(ISeriesSet set)
    {
        if (set.Error is RemoteStorageException remote)
        {
            throw ApiException.Remote(remote);
        }
        if (set.Error is not null)
        {
            throw ApiException.Execution(set.Error.Message);
        }
    }

    internal static (long Start, long End) ParseRange(RequestParameters p)
    {
        long start = ParseTime(p, "start", Timestamp.Min);
        long end = ParseTime(p, "end", Timestamp.Max);
        return (start, end);
    }

    /// <summary>An optional time parameter, <paramref name="defaultValue"/> when absent; Prometheus's wording when malformed.</summary>
    private static long ParseTime(RequestParameters p, string name, long defaultValue)
    {
        string? text = p.Get(name);
        if (text is null)
        {
            return defaultValue;
        }
        return ApiTime.TryParse(text, out long t)
            ? t
            : throw ApiException.InvalidParameter(name, $"Invalid time value for '{name}': cannot parse \"{text}\" to a valid timestamp");
    }

    /// <summary>A required time parameter (<c>start</c> and <c>end</c> of a range query).</summary>
    private static long ParseRequiredTime(RequestParameters p, string name)
    {
        string text = p.Get(name) ?? string.Empty;
        return ApiTime.TryParse(text, out long t)
            ? t
            : throw ApiException.InvalidParameter(name, $"cannot parse \"{text}\" to a valid timestamp");
    }

    private static int ParseLimit(RequestParameters p)
    {
        string? text = p.Get("limit");
        if (text is null)
        {
            return 0;
        }
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int limit))
        {
            throw ApiException.InvalidParameter("limit", $"cannot parse \"{text}\" to a valid limit");
        }
        return limit < 0 ? throw ApiException.InvalidParameter("limit", "limit must be non-negative") : limit;
    }

    /// <summary>Parses <c>match[]</c> values; each must have a matcher that does not match the empty string, as Prometheus demands.</summary>
    private static List<LabelMatcher[]> ParseMatchers(List<string> values)
    {
        var sets = new List<LabelMatcher[]>(values.Count);
        foreach (var v in values)
        {
            List<LabelMatcher> matchers;
            try
            {
                matchers = PromQLParser.ParseMetricSelector(v);
            }
            catch (PromQLParseException e)
            {
                throw ApiException.InvalidParameter("match[]", e.Message);
            }
            if (!matchers.Exists(m => !m.Matches(string.Empty)))
            {
                throw ApiException.InvalidParameter("match[]", "match[] must contain at least one non-empty matcher");
            }
            sets.Add([.. matchers]);
        }
        return sets;
    }

    /// <summary>
    /// Decodes Prometheus 3's <c>U__</c> escaping of label names in URL paths: <c>__</c> is <c>_</c>,
    /// <c>_HEX_</c> is the code point HEX, other characters stand for themselves. Malformed input is returned unchanged.
    /// </summary>
    internal static string UnescapeLabelName(string escaped)
    {
        var s = escaped.AsSpan(3);
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] != '_')
            {
                sb.Append(s[i]);
                continue;
            }
            if (i + 1 < s.Length && s[i + 1] == '_')
            {
                sb.Append('_');
                i++;
                continue;
            }
            int close = s[(i + 1)..].IndexOf('_');
            if (close <= 0 || !int.TryParse(s.Slice(i + 1, close), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int cp) ||
                cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
            {
                return escaped;
            }
            sb.Append(char.ConvertFromUtf32(cp));
            i += close + 1;
        }
        return sb.ToString();
    }
}
