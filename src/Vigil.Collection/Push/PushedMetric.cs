using System.Globalization;
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
/// <param name="Labels">Tags plus <c>source</c>, without <c>__name__</c>.</param>
/// <param name="TimestampMs">When, in milliseconds since the epoch.</param>
internal sealed record PushedMetric(string Name, string Type, double Value, string Unit, LabelSet Labels, long TimestampMs)
{
    // Note: 1e11 seconds is the year 5138; a larger number of "seconds" is a timestamp in a smaller unit. Later
    // timestamps that still pass are refused by the storage's future margin.
    private const long LatestPlausibleMs = 100_000_000_000L * 1000;

    /// <summary>Validates one JSON item; on failure returns false with a message naming the field.</summary>
    public static bool TryParse(JsonElement item, long nowMs, out PushedMetric metric, out string error)
    {
        metric = null!;
        error = string.Empty;
        if (item.ValueKind != JsonValueKind.Object)
        {
            error = $"expected a metric object, got {Describe(item)}";
            return false;
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
        metric = new PushedMetric(name, type, val, unit ?? string.Empty, set, t);
        return true;
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
