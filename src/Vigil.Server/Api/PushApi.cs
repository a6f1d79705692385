using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vigil.Collection.Push;
using Vigil.Collection.Scrape;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;

namespace Vigil.Server.Api;

/// <summary>
/// Push endpoints: <c>POST /api/v1/import/prometheus</c> (a text-format or OpenMetrics body, VictoriaMetrics-compatible,
/// optional <c>extra_label=name=value</c>) and <c>POST /api/v1/push</c> (JSON items in the seed's PerformanceMetric shape
/// for business metrics).
/// </summary>
/// <remarks>
/// A request is all-or-nothing: every item or sample is validated and appended in one batch that is committed only when
/// nothing was wrong; otherwise nothing is stored and the answer lists each problem (with its item index, or the line and
/// column of the payload). Thread-safe.
/// </remarks>
internal sealed class PushApi(IAppendable storage, PushedMetadata metadata, ObservationAggregator aggregator, ILogger logger, TimeProvider clock)
{
    /// <summary>The largest request body accepted (after decompression), as VictoriaMetrics' default.</summary>
    public const int MaxBodyBytes = 32 * 1024 * 1024;

    private const int MaxErrorsReported = 100;

    private const string InvalidText = "a string is not valid UTF-8 (invalid bytes, or a lone surrogate escape such as \\ud800)";

    public async Task ImportPrometheusAsync(HttpContext ctx)
    {
        try
        {
            var extra = ParseExtraLabels(ctx.Request.Query["extra_label"]);
            byte[] body = await ReadBodyAsync(ctx).ConfigureAwait(false);
            var format = ExpositionFormat.FromContentType(ctx.Request.ContentType);
            var result = Import(body, format, extra, Timestamp.Now(clock));
            if (result.Error is not null)
            {
                throw ApiException.BadData(result.Error + "; nothing was stored");
            }
            ctx.Response.StatusCode = StatusCodes.Status204NoContent;
        }
        catch (ApiException e) when (!ctx.Response.HasStarted)
        {
            await ApiJson.WriteErrorAsync(ctx, e).ConfigureAwait(false);
        }
    }

    /// <summary>Parses and stores a payload; returns the number of samples stored or the first problem.</summary>
    internal (int Stored, string? Error) Import(ReadOnlyMemory<byte> body, ExpositionFormatKind format, IReadOnlyList<Label> extraLabels, long nowMs)
    {
        var parser = new ExpositionParser(body, format);
        var app = storage.Appender();
        var declared = new Dictionary<string, MetricMetadata>(StringComparer.Ordinal);
        int stored = 0;
        string? error = null;
        var b = new LabelSetBuilder();
        try
        {
            ExpositionEntry entry;
            while ((entry = parser.Next()) != ExpositionEntry.EndOfInput)
            {
                switch (entry)
                {
                    case ExpositionEntry.Type:
                        string typed = parser.GetMetricName();
                        declared[typed] = (declared.GetValueOrDefault(typed) ?? new MetricMetadata(typed, MetricType.Unknown, string.Empty, string.Empty)) with { Type = parser.MetricType };
                        continue;
                    case ExpositionEntry.Help:
                        string helped = parser.GetMetricName();
                        declared[helped] = (declared.GetValueOrDefault(helped) ?? new MetricMetadata(helped, MetricType.Unknown, string.Empty, string.Empty)) with { Help = parser.GetText() };
                        continue;
                    case ExpositionEntry.Unit:
                        string united = parser.GetMetricName();
                        declared[united] = (declared.GetValueOrDefault(united) ?? new MetricMetadata(united, MetricType.Unknown, string.Empty, string.Empty)) with { Unit = parser.GetText() };
                        continue;
                    case not ExpositionEntry.Series:
                        continue;
                }
                var labels = parser.BuildLabelSet();
                if (extraLabels.Count > 0)
                {
                    b.Reset(labels);
                    foreach (var l in extraLabels)
                    {
                        b.Set(l.Name, l.Value);
                    }
                    labels = b.Build();
                }
                if (LabelValidation.Validate(labels) is { } invalid)
                {
                    error = parser.CreateError(invalid).Message;
                    break;
                }
                long t = parser.TimestampMs ?? nowMs;
                var r = SeriesRef.None;
                if (!app.TryAppend(ref r, labels, t, parser.Value, out var refused))
                {
                    error = parser.CreateError(StorageException.ForAppend(refused, labels, t).Message).Message;
                    break;
                }
                stored++;
            }
        }
        catch (ExpositionParseException e)
        {
            error = e.Message;
        }
        if (error is not null)
        {
            app.Rollback();
            return (0, error);
        }
        try
        {
            app.Commit();
        }
        catch (StorageException e)
        {
            logger.LogWarning("Import failed in storage: {Error}", e.Message);
            throw ApiException.StorageFailed(e);
        }
        foreach (var md in declared.Values)
        {
            metadata.Set(md);
        }
        return (stored, null);
    }

    public async Task PushAsync(HttpContext ctx)
    {
        try
        {
            byte[] body = await ReadBodyAsync(ctx).ConfigureAwait(false);
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(body);
            }
            catch (JsonException e)
            {
                throw ApiException.BadData($"invalid JSON at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}: {e.Message.Split(" LineNumber:")[0].TrimEnd('.', ' ')}");
            }
            using (doc)
            {
                List<JsonElement> items;
                try
                {
                    items = Items(doc.RootElement);
                }
                catch (InvalidOperationException)
                {
                    throw ApiException.BadData(InvalidText);
                }
                var (stored, errors) = await PushItemsAsync(items, ctx.RequestAborted).ConfigureAwait(false);
                if (errors.Count > 0)
                {
                    await WritePushErrorsAsync(ctx, items.Count, errors).ConfigureAwait(false);
                    return;
                }
                var w = ApiJson.BeginSuccess(ctx);
                await using (w.ConfigureAwait(false))
                {
                    w.WriteStartObject("data"u8);
                    w.WriteNumber("received"u8, items.Count);
                    w.WriteNumber("samplesStored"u8, stored);
                    w.WriteEndObject();
                    await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
                }
            }
        }
        catch (ApiException e) when (!ctx.Response.HasStarted)
        {
            await ApiJson.WriteErrorAsync(ctx, e).ConfigureAwait(false);
        }
    }

    private static List<JsonElement> Items(JsonElement root)
    {
        if (root.ValueKind == JsonValueKind.Array)
        {
            return [.. root.EnumerateArray()];
        }
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("metrics", out var metrics) && metrics.ValueKind == JsonValueKind.Array
            && root.EnumerateObject().Count() == 1)
        {
            return [.. metrics.EnumerateArray()];
        }
        if (root.ValueKind == JsonValueKind.Object)
        {
            return [root];
        }
        throw ApiException.BadData("expected a JSON array of metrics, one metric object, or {\"metrics\": [...]}");
    }

    /// <summary>Validates and stores JSON items all-or-nothing; returns the samples stored or the per-item problems.</summary>
    internal async Task<(int Stored, List<(int Index, string Error)> Errors)> PushItemsAsync(IReadOnlyList<JsonElement> items, CancellationToken ct)
    {
        var errors = new List<(int, string)>();
        if (items.Count == 0)
        {
            errors.Add((-1, "no metrics in the request"));
            return (0, errors);
        }
        long now = Timestamp.Now(clock);
        var parsed = new List<(int Index, PushedMetric Metric)>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            bool parsedOk;
            PushedMetric metric;
            string error;
            try
            {
                parsedOk = PushedMetric.TryParse(items[i], now, out metric, out error);
            }
            catch (InvalidOperationException)
            {
                // Note: System.Text.Json checks a string's UTF-8 only when it is decoded, so a bad string surfaces here.
                (parsedOk, metric, error) = (false, null!, InvalidText);
            }
            if (parsedOk)
            {
                parsed.Add((i, metric));
            }
            else
            {
                errors.Add((i, error));
            }
        }
        if (errors.Count > 0)
        {
            return (0, errors);
        }
        using var batch = await aggregator.BeginAsync(ct).ConfigureAwait(false);
        var app = storage.Appender();
        // Note: observations of one histogram at one timestamp collapse to the last cumulative value, so a batch with
        // several observations of the same series does not collide with itself.
        var aggregated = new Dictionary<(LabelSet, long), (double Value, int Index)>();
        int stored = 0;
        foreach (var (index, m) in parsed)
        {
            if (m.Type is "Histogram" or "Summary")
            {
                foreach (var (labels, value) in batch.Observe(m.Name, m.Labels, m.Type == "Histogram", m.Value))
                {
                    aggregated[(labels, m.TimestampMs)] = (value, index);
                }
                continue;
            }
            var series = new LabelSetBuilder(m.Labels).Set(LabelSet.MetricName, m.Name).Build();
            var r = SeriesRef.None;
            if (app.TryAppend(ref r, series, m.TimestampMs, m.Value, out var refused))
            {
                stored++;
            }
            else
            {
                errors.Add((index, StorageException.ForAppend(refused, series, m.TimestampMs).Message));
            }
        }
        foreach (var ((labels, t), (value, index)) in aggregated)
        {
            var r = SeriesRef.None;
            if (app.TryAppend(ref r, labels, t, value, out var refused))
            {
                stored++;
            }
            else
            {
                errors.Add((index, StorageException.ForAppend(refused, labels, t).Message));
            }
        }
        if (errors.Count > 0)
        {
            app.Rollback();
            errors.Sort((a, b) => a.Item1.CompareTo(b.Item1));
            return (0, errors);
        }
        try
        {
            app.Commit();
        }
        catch (StorageException e)
        {
            logger.LogWarning("Push failed in storage: {Error}", e.Message);
            throw ApiException.StorageFailed(e);
        }
        batch.Commit();
        foreach (var (_, m) in parsed)
        {
            metadata.Set(new MetricMetadata(m.Name, m.Type switch
            {
                "Counter" => MetricType.Counter,
                "Histogram" => MetricType.Histogram,
                "Summary" => MetricType.Summary,
                _ => MetricType.Gauge,
            }, string.Empty, m.Unit));
        }
        return (stored, errors);
    }

    private static async Task WritePushErrorsAsync(HttpContext ctx, int count, List<(int Index, string Error)> errors)
    {
        ctx.Response.StatusCode = StatusCodes.Status400BadRequest;
        ctx.Response.ContentType = ApiJson.ContentType;
        var w = new Utf8JsonWriter(ctx.Response.BodyWriter, ApiJson.WriterOptions);
        await using (w.ConfigureAwait(false))
        {
            int failedItems = errors.Select(e => e.Index).Distinct().Count();
            w.WriteStartObject();
            w.WriteString("status"u8, "error"u8);
            w.WriteString("errorType"u8, "bad_data"u8);
            w.WriteString("error"u8, errors[0].Index < 0
                ? errors[0].Error
                : string.Create(CultureInfo.InvariantCulture, $"{failedItems} of {count} items are invalid; nothing was stored (first: item {errors[0].Index}: {errors[0].Error})"));
            w.WriteStartArray("errors"u8);
            foreach (var (index, error) in errors.Take(MaxErrorsReported))
            {
                w.WriteStartObject();
                w.WriteNumber("index"u8, index);
                w.WriteString("error"u8, error);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            await w.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        }
        await ctx.Response.BodyWriter.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
    }

    private static List<Label> ParseExtraLabels(Microsoft.Extensions.Primitives.StringValues values)
    {
        var result = new List<Label>();
        foreach (string? v in values)
        {
            if (string.IsNullOrEmpty(v))
            {
                continue;
            }
            int eq = v.IndexOf('=', StringComparison.Ordinal);
            string name = eq < 0 ? v : v[..eq];
            if (eq <= 0 || !LabelValidation.IsValidName(name) || name == LabelSet.MetricName)
            {
                throw ApiException.InvalidParameter("extra_label", $"expected name=value with a valid label name, got \"{v}\"");
            }
            result.Add(new Label(name, v[(eq + 1)..]));
        }
        return result;
    }

    /// <summary>Reads a POST body of at most <see cref="MaxBodyBytes"/>, gzip or plain; throws <see cref="ApiException"/> otherwise.</summary>
    internal static async Task<byte[]> ReadBodyAsync(HttpContext ctx)
    {
        if (!HttpMethods.IsPost(ctx.Request.Method))
        {
            throw new ApiException("bad_data", "use POST", StatusCodes.Status405MethodNotAllowed);
        }
        if (ctx.Request.ContentLength > MaxBodyBytes)
        {
            throw TooLarge();
        }
        Stream body = ctx.Request.Body;
        GZipStream? gzip = null;
        string? encoding = ctx.Request.Headers.ContentEncoding.ToString();
        if (string.Equals(encoding, "gzip", StringComparison.OrdinalIgnoreCase))
        {
            body = gzip = new GZipStream(body, CompressionMode.Decompress, leaveOpen: true);
        }
        else if (!string.IsNullOrEmpty(encoding) && !string.Equals(encoding, "identity", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException("bad_data", $"unsupported Content-Encoding \"{encoding}\" (use gzip or none)", StatusCodes.Status415UnsupportedMediaType);
        }
        using var ms = new MemoryStream();
        byte[] chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int n;
            while ((n = await body.ReadAsync(chunk, ctx.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (ms.Length + n > MaxBodyBytes)
                {
                    throw TooLarge();
                }
                ms.Write(chunk, 0, n);
            }
        }
        catch (InvalidDataException e)
        {
            throw ApiException.BadData("invalid gzip body: " + e.Message);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
            if (gzip is not null)
            {
                await gzip.DisposeAsync().ConfigureAwait(false);
            }
        }
        return ms.ToArray();
    }

    private static ApiException TooLarge()
        => new("bad_data", $"request body larger than {MaxBodyBytes / (1024 * 1024)}MB", StatusCodes.Status413RequestEntityTooLarge);
}
