using System.Buffers;
using System.Text.Json;
using Vigil.Core.Histograms;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.PromQL.Engine;

namespace Vigil.Server.Api;

/// <summary>
/// PromQL results in the JSON shapes of Prometheus's API: <c>{"resultType":"vector","result":[{"metric":{...},"value":[t,"v"]}]}</c>,
/// <c>"values":[[t,"v"],...]</c> for matrices, <c>[t,"v"]</c> for scalars and strings. Timestamps are Unix seconds with
/// the milliseconds as a fraction (<c>1700000030.5</c> is written <c>1700000030.500</c> in vector and matrix points,
/// <c>1700000030.5</c> in scalar and string results, as Prometheus does); values are strings in Go's shortest decimal
/// form, never an exponent, with <c>+Inf</c>, <c>-Inf</c> and <c>NaN</c>.
/// </summary>
/// <remarks>Thread-safe (stateless). The HTTP API streams with these primitives; <c>vigil query</c> writes whole results.</remarks>
public static class PrometheusJson
{
    /// <summary>The <c>resultType</c> name of a value kind.</summary>
    public static string ResultType(QueryValueKind kind) => kind switch
    {
        QueryValueKind.Matrix => "matrix",
        QueryValueKind.Vector => "vector",
        QueryValueKind.Scalar => "scalar",
        _ => "string",
    };

    /// <summary>Writes the API's <c>data</c> object, <c>{"resultType":...,"result":...}</c>, for <paramref name="value"/>.</summary>
    public static void WriteData(Utf8JsonWriter w, QueryValue value)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(value);
        w.WriteStartObject();
        w.WriteString("resultType"u8, ResultType(value.Kind));
        w.WritePropertyName("result"u8);
        switch (value)
        {
            case VectorValue v:
                w.WriteStartArray();
                foreach (var s in v.Samples)
                {
                    w.WriteStartObject();
                    w.WritePropertyName("metric"u8);
                    WriteLabels(w, s.Labels);
                    WriteSampleValue(w, s);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                break;
            case MatrixValue m:
                w.WriteStartArray();
                foreach (var s in m.Series)
                {
                    w.WriteStartObject();
                    w.WritePropertyName("metric"u8);
                    WriteLabels(w, s.Metric);
                    WriteSeriesValues(w, s.PointSpan);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                break;
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
                throw new ArgumentException("unknown query value " + value.GetType().Name, nameof(value));
        }
        w.WriteEndObject();
    }

    /// <summary>Writes a label set as a JSON object in label order.</summary>
    public static void WriteLabels(Utf8JsonWriter w, LabelSet labels)
    {
        w.WriteStartObject();
        foreach (var l in labels.AsSpan())
        {
            w.WriteString(l.Name, l.Value);
        }
        w.WriteEndObject();
    }

    /// <summary>The longest <c>[t,"v"]</c> that <see cref="FormatPoint"/> writes.</summary>
    public const int MaxPointLength = 1 + 21 + 1 + 2 + ShortestDouble.MaxLength + 1;

    /// <summary>Writes <c>[t,"v"]</c>.</summary>
    public static void WritePoint(Utf8JsonWriter w, long t, double v)
    {
        Span<byte> buf = stackalloc byte[MaxPointLength];
        w.WriteRawValue(buf[..FormatPoint(buf, t, v)], skipInputValidation: true);
    }

    /// <summary>
    /// Writes the points as one JSON array <c>[[t,"v"],...]</c>: formatted straight into a pooled buffer and handed to
    /// the writer in one piece, because a matrix can hold millions of points.
    /// </summary>
    public static void WritePoints(Utf8JsonWriter w, ReadOnlySpan<FPoint> points)
    {
        byte[] buf = ArrayPool<byte>.Shared.Rent(Math.Max(4096, (points.Length * 40) + MaxPointLength + 2));
        try
        {
            int pos = 0;
            buf[pos++] = (byte)'[';
            for (int i = 0; i < points.Length; i++)
            {
                if (buf.Length - pos < MaxPointLength + 2)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(buf.Length * 2);
                    buf.AsSpan(0, pos).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buf);
                    buf = bigger;
                }
                if (i > 0)
                {
                    buf[pos++] = (byte)',';
                }
                pos += FormatPoint(buf.AsSpan(pos), points[i].T, points[i].F);
            }
            buf[pos++] = (byte)']';
            w.WriteRawValue(buf.AsSpan(0, pos), skipInputValidation: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    /// <summary>Formats <c>[t,"v"]</c> into <paramref name="destination"/> (at least <see cref="MaxPointLength"/> bytes) and returns its length.</summary>
    public static int FormatPoint(Span<byte> destination, long t, double v)
    {
        destination[0] = (byte)'[';
        int pos = 1 + FormatTimestamp(destination[1..], t);
        destination[pos++] = (byte)',';
        destination[pos++] = (byte)'"';
        pos += ShortestDouble.Format(v, destination[pos..]);
        destination[pos++] = (byte)'"';
        destination[pos++] = (byte)']';
        return pos;
    }

    /// <summary>Writes a vector sample's <c>"value":[t,"v"]</c>, or <c>"histogram":[t,{...}]</c> for a native histogram sample.</summary>
    public static void WriteSampleValue(Utf8JsonWriter w, LabeledSample s)
    {
        if (s.H is { } h)
        {
            w.WritePropertyName("histogram"u8);
            WriteHistogramPoint(w, s.T, h);
            return;
        }
        w.WritePropertyName("value"u8);
        WritePoint(w, s.T, s.V);
    }

    /// <summary>
    /// Writes a matrix series' points: <c>"values":[[t,"v"],...]</c> for the float points and, when there are any,
    /// <c>"histograms":[[t,{...}],...]</c> for the native histogram points (Prometheus leaves out an empty <c>values</c>).
    /// </summary>
    public static void WriteSeriesValues(Utf8JsonWriter w, ReadOnlySpan<FPoint> points)
    {
        int histograms = 0;
        foreach (ref readonly var p in points)
        {
            if (p.H is not null)
            {
                histograms++;
            }
        }
        if (histograms == 0)
        {
            w.WritePropertyName("values"u8);
            WritePoints(w, points);
            return;
        }
        if (histograms < points.Length)
        {
            var floats = new FPoint[points.Length - histograms];
            int n = 0;
            foreach (ref readonly var p in points)
            {
                if (p.H is null)
                {
                    floats[n++] = p;
                }
            }
            w.WritePropertyName("values"u8);
            WritePoints(w, floats);
        }
        w.WritePropertyName("histograms"u8);
        w.WriteStartArray();
        foreach (ref readonly var p in points)
        {
            if (p.H is { } h)
            {
                WriteHistogramPoint(w, p.T, h);
            }
        }
        w.WriteEndArray();
    }

    /// <summary>Writes <c>[t,{"count":"c","sum":"s","buckets":[[rule,"lower","upper","count"],...]}]</c>.</summary>
    public static void WriteHistogramPoint(Utf8JsonWriter w, long t, FloatHistogram h)
    {
        w.WriteStartArray();
        WriteTimestamp(w, t);
        WriteHistogram(w, h);
        w.WriteEndArray();
    }

    /// <summary>
    /// Writes a native histogram as Prometheus's API does: count and sum as strings, then the non-empty buckets from the
    /// lowest up as <c>[boundary_rule, "lower", "upper", "count"]</c>, where the rule is 0 for (l,u], 1 for [l,u),
    /// 2 for (l,u) and 3 for [l,u]. <c>buckets</c> is left out when every bucket is empty.
    /// </summary>
    public static void WriteHistogram(Utf8JsonWriter w, FloatHistogram h)
    {
        ArgumentNullException.ThrowIfNull(h);
        w.WriteStartObject();
        w.WritePropertyName("count"u8);
        WriteValue(w, h.Count);
        w.WritePropertyName("sum"u8);
        WriteValue(w, h.Sum);
        bool any = false;
        foreach (var b in h.AllBuckets())
        {
            if (b.Count == 0)
            {
                continue;
            }
            if (!any)
            {
                w.WritePropertyName("buckets"u8);
                w.WriteStartArray();
                any = true;
            }
            int rule = b.LowerInclusive ? (b.UpperInclusive ? 3 : 1) : (b.UpperInclusive ? 0 : 2);
            w.WriteStartArray();
            w.WriteNumberValue(rule);
            WriteValue(w, b.Lower);
            WriteValue(w, b.Upper);
            WriteValue(w, b.Count);
            w.WriteEndArray();
        }
        if (any)
        {
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    /// <summary>Writes milliseconds as Unix seconds: whole seconds, then <c>.</c> and three digits when there are milliseconds.</summary>
    public static void WriteTimestamp(Utf8JsonWriter w, long ms)
    {
        Span<byte> buf = stackalloc byte[24];
        w.WriteRawValue(buf[..FormatTimestamp(buf, ms)], skipInputValidation: true);
    }

    /// <summary>Formats milliseconds as <c>seconds[.mmm]</c> into <paramref name="destination"/> (at least 21 bytes).</summary>
    public static int FormatTimestamp(Span<byte> destination, long ms)
    {
        int pos = 0;
        ulong abs = ms < 0 ? (ulong)(-(ms + 1)) + 1 : (ulong)ms;
        if (ms < 0)
        {
            destination[pos++] = (byte)'-';
        }
        ulong seconds = abs / 1000;
        int fraction = (int)(abs - (seconds * 1000));
        pos += ShortestDouble.FormatInteger(seconds, destination[pos..]);
        if (fraction != 0)
        {
            destination[pos++] = (byte)'.';
            destination[pos++] = (byte)('0' + (fraction / 100));
            destination[pos++] = (byte)('0' + (fraction / 10 % 10));
            destination[pos++] = (byte)('0' + (fraction % 10));
        }
        return pos;
    }

    /// <summary>
    /// Writes milliseconds as a float of seconds in its shortest form (<c>1700000031.25</c>): Prometheus writes scalar and
    /// string results this way, unlike the fixed three digits of vector and matrix points.
    /// </summary>
    public static void WriteSecondsAsFloat(Utf8JsonWriter w, long ms)
    {
        Span<byte> buf = stackalloc byte[ShortestDouble.MaxLength];
        w.WriteRawValue(buf[..ShortestDouble.Format(ms / 1000.0, buf)], skipInputValidation: true);
    }

    /// <summary>Writes a sample value as a JSON string in Go's <c>strconv.FormatFloat(v, 'f', -1, 64)</c> form.</summary>
    public static void WriteValue(Utf8JsonWriter w, double v)
    {
        Span<byte> buf = stackalloc byte[ShortestDouble.MaxLength + 2];
        buf[0] = (byte)'"';
        int len = ShortestDouble.Format(v, buf[1..]);
        buf[len + 1] = (byte)'"';
        w.WriteRawValue(buf[..(len + 2)], skipInputValidation: true);
    }
}
