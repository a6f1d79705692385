using System.Globalization;
using System.Text.Json;
using Vigil.Core.Labels;
using Vigil.PromQL.Engine;
using Vigil.PromQL.Parser;

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
                    w.WritePropertyName("value"u8);
                    WritePoint(w, s.T, s.V);
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
                    w.WriteStartArray("values"u8);
                    foreach (var p in s.Points)
                    {
                        WritePoint(w, p.T, p.F);
                    }
                    w.WriteEndArray();
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
}
