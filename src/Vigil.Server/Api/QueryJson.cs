using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vigil.PromQL.Engine;

namespace Vigil.Server.Api;

/// <summary>Streams PromQL results to an HTTP response in the shapes of <see cref="PrometheusJson"/>, flushing as it goes.</summary>
internal static class QueryJson
{
    /// <summary>
    /// Writes <c>"resultType"</c> and <c>"result"</c> into the open data object; with <paramref name="limit"/> &gt; 0 at most that
    /// many series or samples, adding the truncation warning when some were left out.
    /// </summary>
    public static async Task WriteResultAsync(HttpContext ctx, Utf8JsonWriter w, QueryValue value, int limit, List<string> warnings)
    {
        w.WriteString("resultType"u8, PrometheusJson.ResultType(value.Kind));
        w.WritePropertyName("result"u8);
        switch (value)
        {
            case VectorValue v:
            {
                w.WriteStartArray();
                int n = Count(v.Samples.Count, limit, warnings);
                for (int i = 0; i < n; i++)
                {
                    var s = v.Samples[i];
                    w.WriteStartObject();
                    w.WritePropertyName("metric"u8);
                    ApiJson.WriteLabels(w, s.Labels);
                    PrometheusJson.WriteSampleValue(w, s);
                    w.WriteEndObject();
                    await ApiJson.MaybeFlushAsync(ctx, w).ConfigureAwait(false);
                }
                w.WriteEndArray();
                break;
            }
            case MatrixValue m:
            {
                w.WriteStartArray();
                int n = Count(m.Series.Count, limit, warnings);
                for (int i = 0; i < n; i++)
                {
                    var s = m.Series[i];
                    w.WriteStartObject();
                    w.WritePropertyName("metric"u8);
                    ApiJson.WriteLabels(w, s.Metric);
                    PrometheusJson.WriteSeriesValues(w, s.PointSpan);
                    w.WriteEndObject();
                    await ApiJson.MaybeFlushAsync(ctx, w).ConfigureAwait(false);
                }
                w.WriteEndArray();
                break;
            }
            case ScalarValue s:
                w.WriteStartArray();
                PrometheusJson.WriteSecondsAsFloat(w, s.T);
                PrometheusJson.WriteValue(w, s.V);
                w.WriteEndArray();
                break;
            case StringValue s:
                w.WriteStartArray();
                PrometheusJson.WriteSecondsAsFloat(w, s.T);
                w.WriteStringValue(s.Value);
                w.WriteEndArray();
                break;
            default:
                throw new InvalidOperationException("unknown query value " + value.GetType().Name);
        }
    }

    private static int Count(int available, int limit, List<string> warnings)
    {
        if (limit > 0 && available > limit)
        {
            warnings.Add("results truncated due to limit");
            return limit;
        }
        return available;
    }

    /// <summary>Writes the <c>stats</c> object: timings in seconds and sample counts.</summary>
    public static void WriteStats(Utf8JsonWriter w, QueryTimings timings, QueryResult result)
    {
        w.WriteStartObject("stats"u8);
        w.WriteStartObject("timings"u8);
        w.WriteNumber("evalTotalTime"u8, timings.Eval.TotalSeconds);
        w.WriteNumber("execQueueTime"u8, timings.Queue.TotalSeconds);
        w.WriteNumber("execTotalTime"u8, timings.Total.TotalSeconds);
        w.WriteEndObject();
        w.WriteStartObject("samples"u8);
        w.WriteNumber("totalQueryableSamples"u8, result.SamplesLoaded);
        w.WriteNumber("peakSamples"u8, result.PeakSamples);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}

/// <summary>Where a query's time went: waiting for a free query slot, evaluating, and in total.</summary>
internal readonly record struct QueryTimings(TimeSpan Queue, TimeSpan Eval, TimeSpan Total);
