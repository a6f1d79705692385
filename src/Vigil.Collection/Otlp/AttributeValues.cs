using System.Globalization;
using System.Text;
using System.Text.Json;
using Vigil.Collection.Otlp.Proto;
using Vigil.Core.Model;

namespace Vigil.Collection.Otlp;

/// <summary>
/// An OTLP attribute value as a label value, as the OpenTelemetry Collector's <c>AsString</c> writes it: strings as
/// they are, booleans as <c>true</c>/<c>false</c>, integers in decimal, doubles as the shortest text that reads back the
/// same (exponent form below 1e-6 and from 1e21, as JavaScript), bytes in base64, lists and maps as JSON.
/// </summary>
internal static class AttributeValues
{
    /// <summary>The label value of <paramref name="value"/>; empty for an unset value (the label is then left out).</summary>
    public static string AsString(AnyValue? value)
    {
        if (value is null)
        {
            return string.Empty;
        }
        switch (value.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValue:
                return value.StringValue;
            case AnyValue.ValueOneofCase.BoolValue:
                return value.BoolValue ? "true" : "false";
            case AnyValue.ValueOneofCase.IntValue:
                return value.IntValue.ToString(CultureInfo.InvariantCulture);
            case AnyValue.ValueOneofCase.DoubleValue:
                return FormatDouble(value.DoubleValue);
            case AnyValue.ValueOneofCase.BytesValue:
                return value.BytesValue.ToBase64();
            case AnyValue.ValueOneofCase.ArrayValue or AnyValue.ValueOneofCase.KvlistValue:
                using (var ms = new MemoryStream())
                {
                    using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { SkipValidation = true, MaxDepth = 256 }))
                    {
                        WriteJson(w, value);
                    }
                    return Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length);
                }
            default:
                return string.Empty;
        }
    }

    /// <summary>A double as JavaScript's number-to-string does (what Go's JSON encoder and the Collector write).</summary>
    internal static string FormatDouble(double d)
    {
        if (double.IsNaN(d))
        {
            return "NaN";
        }
        if (double.IsInfinity(d))
        {
            return d > 0 ? "Inf" : "-Inf";
        }
        double abs = Math.Abs(d);
        if (abs == 0 || (abs >= 1e-6 && abs < 1e21))
        {
            return ShortestDouble.Format(d);
        }
        // Note: .NET writes 1E-07; JavaScript writes 1e-7 and 1e+21.
        string r = d.ToString("R", CultureInfo.InvariantCulture);
        int e = r.IndexOf('E', StringComparison.Ordinal);
        if (e < 0)
        {
            return r;
        }
        int exponent = int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"{r[..e]}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent)}");
    }

    private static void WriteJson(Utf8JsonWriter w, AnyValue? value)
    {
        switch (value?.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValue:
                w.WriteStringValue(value.StringValue);
                break;
            case AnyValue.ValueOneofCase.BoolValue:
                w.WriteBooleanValue(value.BoolValue);
                break;
            case AnyValue.ValueOneofCase.IntValue:
                w.WriteNumberValue(value.IntValue);
                break;
            case AnyValue.ValueOneofCase.DoubleValue:
                if (double.IsFinite(value.DoubleValue))
                {
                    w.WriteNumberValue(value.DoubleValue);
                }
                else
                {
                    w.WriteStringValue(FormatDouble(value.DoubleValue));
                }
                break;
            case AnyValue.ValueOneofCase.BytesValue:
                w.WriteStringValue(value.BytesValue.ToBase64());
                break;
            case AnyValue.ValueOneofCase.ArrayValue:
                w.WriteStartArray();
                foreach (var item in value.ArrayValue.Values)
                {
                    WriteJson(w, item);
                }
                w.WriteEndArray();
                break;
            case AnyValue.ValueOneofCase.KvlistValue:
                w.WriteStartObject();
                foreach (var kv in value.KvlistValue.Values)
                {
                    w.WritePropertyName(kv.Key);
                    WriteJson(w, kv.Value);
                }
                w.WriteEndObject();
                break;
            default:
                w.WriteNullValue();
                break;
        }
    }
}
