using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vigil.PromQL.Engine;
using Vigil.PromQL.Parser;

namespace Vigil.Server.Api;

/// <summary>
/// Writes PromQL results in the shapes of Prometheus's API: <c>{"resultType":"vector","result":[{"metric":{...},"value":[t,"v"]}]}</c>,
/// <c>"values":[[t,"v"],...]</c> for matrices, <c>[t,"v"]</c> for scalars and strings. Timestamps are Unix seconds
/// with the milliseconds as a fraction (<c>1700000030.5</c> is written <c>1700000030.500</c> in vector and matrix points,
/// <c>1700000030.5</c> in scalar and string results, as Prometheus does);
/// values are strings in Go's shortest decimal form, never an exponent, with <c>+Inf</c>, <c>-Inf</c> and <c>NaN</c>.
/// </summary>
internal static class QueryJson
{
    /// <summary>The <c>resultType</c> name of a value kind.</summary>
    public static string ResultType(QueryValueKind kind) => kind switch
    {
        QueryValueKind.Matrix => "matrix",
        QueryValueKind.Vector => "vector",
        QueryValueKind.Scalar => "scalar",
        _ => "string",
    };

    /// <summary>
    /// Writes <c>"resultType"</c> and <c>"result"</c> into the open data object; with <paramref name="limit"/> &gt; 0 at most that
    /// many series or samples, adding the truncation warning when some were left out.
    /// </summary>
    public static async Task WriteResultAsync(HttpContext ctx, Utf8JsonWriter w, QueryValue value, int limit, List<string> warnings)
    {
        w.WriteString("resultType"u8, ResultType(value.Kind));
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
                    w.WritePropertyName("value"u8);
                    WritePoint(w, s.T, s.V);
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
                    w.WriteStartArray("values"u8);
                    var points = s.Points;
                    for (int j = 0; j < points.Count; j++)
                    {
                        WritePoint(w, points[j].T, points[j].F);
                        if (w.BytesPending >= ApiJson.FlushThreshold)
                        {
                            await ApiJson.MaybeFlushAsync(ctx, w).ConfigureAwait(false);
                        }
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                    await ApiJson.MaybeFlushAsync(ctx, w).ConfigureAwait(false);
                }
                w.WriteEndArray();
                break;
            }
            case ScalarValue s:
                w.WriteStartArray();
                WriteSecondsAsFloat(w, s.T);
                WriteValue(w, s.V);
                w.WriteEndArray();
                break;
            case StringValue s:
                w.WriteStartArray();
                WriteSecondsAsFloat(w, s.T);
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

    /// <summary>Writes <c>[t,"v"]</c>.</summary>
    public static void WritePoint(Utf8JsonWriter w, long t, double v)
    {
        w.WriteStartArray();
        WriteTimestamp(w, t);
        WriteValue(w, v);
        w.WriteEndArray();
    }

    /// <summary>Writes milliseconds as Unix seconds: whole seconds, then <c>.</c> and three digits when there are milliseconds.</summary>
    public static void WriteTimestamp(Utf8JsonWriter w, long ms)
    {
        Span<byte> buf = stackalloc byte[24];
        int pos = 0;
        ulong abs = ms < 0 ? (ulong)(-(ms + 1)) + 1 : (ulong)ms;
        if (ms < 0)
        {
            buf[pos++] = (byte)'-';
        }
        ulong seconds = abs / 1000;
        int fraction = (int)(abs % 1000);
        seconds.TryFormat(buf[pos..], out int written, default, CultureInfo.InvariantCulture);
        pos += written;
        if (fraction != 0)
        {
            buf[pos++] = (byte)'.';
            buf[pos++] = (byte)('0' + (fraction / 100));
            buf[pos++] = (byte)('0' + (fraction / 10 % 10));
            buf[pos++] = (byte)('0' + (fraction % 10));
        }
        w.WriteRawValue(buf[..pos], skipInputValidation: true);
    }

    /// <summary>
    /// Writes milliseconds as a float of seconds in its shortest form (<c>1700000031.25</c>): Prometheus writes scalar and
    /// string results this way, unlike the fixed three digits of vector and matrix points.
    /// </summary>
    public static void WriteSecondsAsFloat(Utf8JsonWriter w, long ms)
        => w.WriteRawValue(GoText.FormatFloat(ms / 1000.0), skipInputValidation: true);

    /// <summary>Writes a sample value as a JSON string in Go's <c>strconv.FormatFloat(v, 'f', -1, 64)</c> form.</summary>
    public static void WriteValue(Utf8JsonWriter w, double v)
    {
        Span<byte> buf = stackalloc byte[40];
        buf[0] = (byte)'"';
        int len;
        if (double.IsNaN(v))
        {
            "NaN"u8.CopyTo(buf[1..]);
            len = 3;
        }
        else if (double.IsInfinity(v))
        {
            (v > 0 ? "+Inf"u8 : "-Inf"u8).CopyTo(buf[1..]);
            len = 4;
        }
        else if (!v.TryFormat(buf[1..^1], out len, "R", CultureInfo.InvariantCulture) || buf.Slice(1, len).IndexOf((byte)'E') >= 0)
        {
            // Note: .NET switches to exponent notation for large and small magnitudes; Go's 'f' format never does.
            w.WriteStringValue(GoText.FormatFloat(v));
            return;
        }
        buf[len + 1] = (byte)'"';
        w.WriteRawValue(buf[..(len + 2)], skipInputValidation: true);
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
