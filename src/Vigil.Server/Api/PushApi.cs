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
internal sealed class PushApi(IAppendable storage, PushedMetadata metadata, ObservationAggregator aggregator, ILogger logger, TimeProvider clock, int maxBodyBytes = PushApi.MaxBodyBytes)
{
    /// <summary>The largest request body accepted by default (after decompression), as VictoriaMetrics' default.</summary>
    public const int MaxBodyBytes = 32 * 1024 * 1024;

    private const int MaxErrorsReported = 100;

    private readonly TextPushReceiver _text = new(storage, metadata, new PushSeriesCache());

    // Note: JSON items of a series stored before are found by their raw name, tags and source; no label set is built.
    private readonly PushSeriesCache _jsonSeries = new();

    private const string InvalidText = "a string is not valid UTF-8 (invalid bytes, or a lone surrogate escape such as \\ud800)";

    public async Task ImportPrometheusAsync(HttpContext ctx)
    {
        try
        {
            var extra = ParseExtraLabels(ctx.Request.Query["extra_label"]);
            var (body, length) = await ReadBodyPooledAsync(ctx, maxBodyBytes).ConfigureAwait(false);
            try
            {
                var format = ExpositionFormat.FromContentType(ctx.Request.ContentType);
                var result = Import(body.AsMemory(0, length), format, extra, Timestamp.Now(clock));
                if (result.Error is not null)
                {
                    throw ApiException.BadData(result.Error + "; nothing was stored");
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(body);
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
        try
        {
            return _text.Write(body, format, extraLabels, nowMs);
        }
        catch (StorageException e)
        {
            logger.LogWarning("Import failed in storage: {Error}", e.Message);
            throw ApiException.StorageFailed(e);
        }
    }

    public async Task PushAsync(HttpContext ctx)
    {
        try
        {
            byte[] body = await ReadBodyAsync(ctx, maxBodyBytes).ConfigureAwait(false);
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
                parsedOk = PushedMetric.TryParse(items[i], now, _jsonSeries, out metric, out error);
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
            var series = m.Known?.Labels ?? new LabelSetBuilder(m.Labels).Set(LabelSet.MetricName, m.Name).Build();
            var r = m.Known?.Ref ?? SeriesRef.None;
            if (app.TryAppend(ref r, series, m.TimestampMs, m.Value, out var refused))
            {
                stored++;
                if (m.Known is { } known)
                {
                    known.Ref = r;
                }
                else if (m.SeriesKey is { } key)
                {
                    _jsonSeries.Add(key, series).Ref = r;
                }
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

    /// <summary>Reads a POST body of at most <paramref name="maxBytes"/>, gzip or plain; throws <see cref="ApiException"/> otherwise.</summary>
    internal static async Task<byte[]> ReadBodyAsync(HttpContext ctx, int maxBytes = MaxBodyBytes)
    {
        var (buffer, length) = await ReadBodyPooledAsync(ctx, maxBytes).ConfigureAwait(false);
        try
        {
            return buffer.AsSpan(0, length).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads a POST body of at most <paramref name="maxBytes"/>, gzip or plain, into an array rented from
    /// <see cref="ArrayPool{T}.Shared"/> that the caller returns; throws <see cref="ApiException"/> otherwise.
    /// </summary>
    /// <remarks>Note: a plain body with a Content-Length is read straight into its final buffer, without a copy.</remarks>
    internal static async Task<(byte[] Buffer, int Length)> ReadBodyPooledAsync(HttpContext ctx, int maxBytes = MaxBodyBytes)
    {
        if (!HttpMethods.IsPost(ctx.Request.Method))
        {
            throw new ApiException("bad_data", "use POST", StatusCodes.Status405MethodNotAllowed);
        }
        if (ctx.Request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
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
        // Note: one byte more than a known plain length, so that a body longer than announced is still caught by the loop.
        int initial = gzip is null && ctx.Request.ContentLength is long announced ? (int)announced + 1 : 64 * 1024;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Min(initial, maxBytes + 1));
        int length = 0;
        try
        {
            int n;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes)
                    {
                        throw TooLarge(maxBytes);
                    }
                    byte[] bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, maxBytes + 1L));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                n = await body.ReadAsync(buffer.AsMemory(length), ctx.RequestAborted).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                length += n;
                if (length > maxBytes)
                {
                    throw TooLarge(maxBytes);
                }
            }
            return (buffer, length);
        }
        catch (InvalidDataException e)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw ApiException.BadData("invalid gzip body: " + e.Message);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        finally
        {
            if (gzip is not null)
            {
                await gzip.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>HTTP 413 for a body over <paramref name="maxBytes"/>.</summary>
    internal static ApiException TooLarge(int maxBytes)
        => new("bad_data", maxBytes % (1024 * 1024) == 0
            ? $"request body larger than {maxBytes / (1024 * 1024)}MB"
            : $"request body larger than {maxBytes} bytes", StatusCodes.Status413RequestEntityTooLarge);
}
