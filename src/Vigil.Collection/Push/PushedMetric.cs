using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Vigil.Core.Labels;
using Vigil.Core.Model;

namespace Vigil.Collection.Push;

/// <summary>
/// One item of <c>POST /api/v1/push</c>, in the seed's PerformanceMetric shape: <c>metric_name</c>, <c>value</c>,
/// <c>metric_type</c> (Counter, Gauge, Histogram, Summary; Gauge when absent), <c>unit</c>, <c>tags</c>, <c>source</c>,
/// <c>timestamp</c> (RFC 3339 or Unix seconds, fractions allowed — not milliseconds; now when absent) and an ignored <c>metric_id</c>.
/// </summary>
/// <param name="Name">The metric name.</param>
/// <param name="Type">Counter, Gauge, Histogram or Summary.</param>
/// <param name="Value">The value (an observation for Histogram and Summary).</param>
/// <param name="Unit">The unit, recorded as metadata.</param>
/// <param name="Labels">Tags plus <c>source</c>, without <c>__name__</c>; empty when <see cref="Known"/> is set.</param>
/// <param name="TimestampMs">When, in milliseconds since the epoch.</param>
internal sealed record PushedMetric(string Name, string Type, double Value, string Unit, LabelSet Labels, long TimestampMs)
{
    /// <summary>
    /// For a Counter or Gauge whose name, tags and source (as raw JSON) were stored before: the remembered series
    /// (labels with <c>__name__</c>) and its storage reference, so no label set is built or validated again.
    /// </summary>
    public PushSeriesCache.Entry? Known { get; init; }

    /// <summary>For a Counter or Gauge not remembered yet: the cache key to remember its series under once stored.</summary>
    public byte[]? SeriesKey { get; init; }

    // Note: 1e11 seconds is the year 5138; a larger number of "seconds" is a timestamp in a smaller unit. Later
    // timestamps that still pass are refused by the storage's future margin.
    private const long LatestPlausibleMs = 100_000_000_000L * 1000;

    /// <summary>Validates one JSON item; on failure returns false with a message naming the field.</summary>
    public static bool TryParse(JsonElement item, long nowMs, out PushedMetric metric, out string error)
        => TryParse(item, nowMs, null, out metric, out error);

    /// <summary>
    /// Validates one JSON item, looking its series up in <paramref name="cache"/> first (Counter and Gauge only); on
    /// failure returns false with a message naming the field.
    /// </summary>
    public static bool TryParse(JsonElement item, long nowMs, PushSeriesCache? cache, out PushedMetric metric, out string error)
    {
        metric = null!;
        error = string.Empty;
        if (item.ValueKind != JsonValueKind.Object)
        {
            error = $"expected a metric object, got {Describe(item)}";
            return false;
        }
        PushSeriesCache.Entry? known = null;
        byte[]? seriesKey = null;
        if (cache is not null)
        {
            (known, seriesKey) = LookUp(item, cache);
        }
        string? name = null, type = null, unit = null, source = null;
        double? value = null;
        long t = nowMs;
        var labels = new List<Label>();
        foreach (var p in item.EnumerateObject())
        {
            switch (p.Name)
            {
                case "metric_name":
                    if (p.Value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(p.Value.GetString()))
                    {
                        error = "metric_name must be a non-empty string";
                        return false;
                    }
                    name = p.Value.GetString()!;
                    break;
                case "value":
                    if (!TryValue(p.Value, out double v))
                    {
                        error = $"value must be a number (or \"NaN\", \"+Inf\", \"-Inf\"), got {Describe(p.Value)}";
                        return false;
                    }
                    value = v;
                    break;
                case "metric_type":
                    string? typeText = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null;
                    type = typeText?.ToLowerInvariant() switch
                    {
                        "counter" => "Counter",
                        "gauge" => "Gauge",
                        "histogram" => "Histogram",
                        "summary" => "Summary",
                        _ => null,
                    };
                    if (type is null)
                    {
                        error = $"metric_type must be Counter, Gauge, Histogram or Summary, got {Describe(p.Value)}";
                        return false;
                    }
                    break;
                case "unit":
                    if (p.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                    {
                        error = $"unit must be a string, got {Describe(p.Value)}";
                        return false;
                    }
                    unit = p.Value.GetString();
                    break;
                case "source":
                    if (p.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                    {
                        error = $"source must be a string, got {Describe(p.Value)}";
                        return false;
                    }
                    source = p.Value.GetString();
                    break;
                case "tags":
                    if (known is not null)
                    {
                        // Note: the same raw tags were valid (with this name and source) when the series was remembered.
                        break;
                    }
                    if (p.Value.ValueKind == JsonValueKind.Null)
                    {
                        break;
                    }
                    if (p.Value.ValueKind != JsonValueKind.Object)
                    {
                        error = $"tags must be an object of strings, got {Describe(p.Value)}";
                        return false;
                    }
                    foreach (var tag in p.Value.EnumerateObject())
                    {
                        if (!LabelValidation.IsValidName(tag.Name) || tag.Name.StartsWith("__", StringComparison.Ordinal))
                        {
                            error = $"tag \"{tag.Name}\" is not a valid label name (names starting with __ are reserved)";
                            return false;
                        }
                        if (tag.Value.ValueKind != JsonValueKind.String)
                        {
                            error = $"tag \"{tag.Name}\" must have a string value, got {Describe(tag.Value)}";
                            return false;
                        }
                        if (labels.Exists(l => l.Name == tag.Name))
                        {
                            error = $"tag \"{tag.Name}\" is given twice";
                            return false;
                        }
                        string tagValue = tag.Value.GetString()!;
                        if (tagValue.Length != 0)
                        {
                            labels.Add(new Label(tag.Name, tagValue));
                        }
                    }
                    break;
                case "timestamp":
                    if (!TryTimestamp(p.Value, out t))
                    {
                        error = $"timestamp must be RFC 3339 (2024-05-01T12:00:00Z) or Unix seconds, got {Describe(p.Value)}";
                        return false;
                    }
                    if (t > LatestPlausibleMs)
                    {
                        error = p.Value.ValueKind == JsonValueKind.Number
                            ? $"timestamp {Describe(p.Value)} read as Unix seconds lies after the year 5000: it looks like milliseconds (or micro-/nanoseconds); "
                                + "send Unix seconds (1714564800 or 1714564800.25) or RFC 3339"
                            : $"timestamp {Describe(p.Value)} lies after the year 5000";
                        return false;
                    }
                    break;
                case "metric_id":
                    break;
                default:
                    error = $"unknown field \"{p.Name}\" (expected metric_name, value, metric_type, unit, tags, source, timestamp, metric_id)";
                    return false;
            }
        }
        if (name is null)
        {
            error = "metric_name is required";
            return false;
        }
        if (value is not { } val)
        {
            error = "value is required";
            return false;
        }
        type ??= "Gauge";
        if (type == "Counter" && !(val >= 0))
        {
            error = string.Create(CultureInfo.InvariantCulture, $"a Counter value must be a non-negative number, got {val}");
            return false;
        }
        if (type is "Histogram" or "Summary" && !double.IsFinite(val))
        {
            error = $"a {type} observation must be a finite number";
            return false;
        }
        if (known is not null)
        {
            metric = new PushedMetric(name, type, val, unit ?? string.Empty, LabelSet.Empty, t) { Known = known };
            return true;
        }
        if (!string.IsNullOrEmpty(source))
        {
            if (labels.Exists(l => l.Name == "source"))
            {
                error = "source is given twice: as the source field and as a tag";
                return false;
            }
            labels.Add(new Label("source", source));
        }
        var set = LabelSet.From(labels);
        if (LabelValidation.Validate(new LabelSetBuilder(set).Set(LabelSet.MetricName, name).Build()) is { } invalid)
        {
            error = invalid;
            return false;
        }
        metric = new PushedMetric(name, type, val, unit ?? string.Empty, set, t) { SeriesKey = type is "Counter" or "Gauge" ? seriesKey : null };
        return true;
    }

    /// <summary>
    /// The key of an item's series — its raw <c>metric_name</c>, <c>tags</c> and <c>source</c> JSON, each length-prefixed —
    /// and the remembered entry for it; (null, null) for a Histogram or Summary (their series are aggregated) and for an
    /// item that repeats one of those fields.
    /// </summary>
    private static (PushSeriesCache.Entry? Known, byte[]? Key) LookUp(JsonElement item, PushSeriesCache cache)
    {
        JsonElement name = default, tags = default, source = default;
        int seen = 0;
        foreach (var p in item.EnumerateObject())
        {
            int bit = p.Name switch
            {
                "metric_name" => 1,
                "tags" => 2,
                "source" => 4,
                "metric_type" => 8,
                _ => 0,
            };
            if ((seen & bit) != 0)
            {
                return (null, null);
            }
            seen |= bit;
            switch (bit)
            {
                case 1:
                    name = p.Value;
                    break;
                case 2:
                    tags = p.Value;
                    break;
                case 4:
                    source = p.Value;
                    break;
                case 8:
                    if (p.Value.ValueKind == JsonValueKind.String && p.Value.GetString()?.ToLowerInvariant() is "histogram" or "summary")
                    {
                        return (null, null);
                    }
                    break;
            }
        }
        if ((seen & 1) == 0)
        {
            return (null, null);
        }
        var n = RawOrEmpty(name);
        var g = RawOrEmpty(tags);
        var s = RawOrEmpty(source);
        int length = 12 + n.Length + g.Length + s.Length;
        byte[] key = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            int pos = 0;
            pos = Put(key, pos, n);
            pos = Put(key, pos, g);
            pos = Put(key, pos, s);
            var span = key.AsSpan(0, pos);
            return cache.Get(span) is { } known ? (known, null) : (null, span.ToArray());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(key);
        }
    }

    private static ReadOnlySpan<byte> RawOrEmpty(JsonElement e)
        => e.ValueKind == JsonValueKind.Undefined ? [] : JsonMarshal.GetRawUtf8Value(e);

    private static int Put(byte[] key, int pos, ReadOnlySpan<byte> part)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(key.AsSpan(pos), part.Length);
        part.CopyTo(key.AsSpan(pos + 4));
        return pos + 4 + part.Length;
    }

    private static bool TryValue(JsonElement e, out double v)
    {
        v = 0;
        switch (e.ValueKind)
        {
            case JsonValueKind.Number:
                return e.TryGetDouble(out v);
            case JsonValueKind.String:
                switch (e.GetString())
                {
                    case "NaN":
                        v = double.NaN;
                        return true;
                    case "+Inf" or "Inf":
                        v = double.PositiveInfinity;
                        return true;
                    case "-Inf":
                        v = double.NegativeInfinity;
                        return true;
                }
                return false;
            default:
                return false;
        }
    }

    private static bool TryTimestamp(JsonElement e, out long ms)
    {
        ms = 0;
        switch (e.ValueKind)
        {
            case JsonValueKind.Number:
                return e.TryGetDouble(out double seconds) && ApiTime.TryParse(seconds.ToString("R", CultureInfo.InvariantCulture), out ms);
            case JsonValueKind.String:
                return ApiTime.TryParse(e.GetString()!, out ms);
            default:
                return false;
        }
    }

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"\"{e.GetString()}\"",
        JsonValueKind.Number => e.GetRawText(),
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
        _ => "null",
    };
}
