using System.Globalization;
using Vigil.Core.Histograms;
using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Testing;

/// <summary>
/// Parses the promqltest native histogram notation: <c>{{schema:0 sum:5 count:4 z_bucket:1 z_bucket_w:0.001
/// buckets:[1 2 1] offset:1 n_buckets:[…] n_offset:0 custom_values:[…] counter_reset_hint:gauge}}</c>
/// (buckets are absolute counts of one span).
/// </summary>
internal static class HistogramLiteral
{
    /// <summary>Parses the text between <c>{{</c> and <c>}}</c>; <paramref name="hintGiven"/> tells whether a counter-reset hint was written.</summary>
    public static FloatHistogram Parse(string body, out bool hintGiven)
    {
        var h = new FloatHistogram();
        hintGiven = false;
        double[] pos = [], neg = [];
        int posOffset = 0, negOffset = 0;
        int i = 0;
        while (true)
        {
            while (i < body.Length && char.IsWhiteSpace(body[i]))
            {
                i++;
            }
            if (i >= body.Length)
            {
                break;
            }
            int colon = body.IndexOf(':', i);
            if (colon < 0)
            {
                throw new FormatException("invalid histogram description " + GoText.Quote(body) + ": expected key:value");
            }
            string key = body[i..colon].Trim();
            i = colon + 1;
            string value;
            if (i < body.Length && body[i] == '[')
            {
                int close = body.IndexOf(']', i);
                if (close < 0)
                {
                    throw new FormatException("unterminated list in histogram description " + GoText.Quote(body));
                }
                value = body[(i + 1)..close];
                i = close + 1;
            }
            else
            {
                int end = i;
                while (end < body.Length && !char.IsWhiteSpace(body[end]))
                {
                    end++;
                }
                value = body[i..end];
                i = end;
            }
            switch (key)
            {
                case "schema":
                    h.Schema = ParseInt(value, key);
                    if (!FloatHistogram.IsValidSchema(h.Schema))
                    {
                        throw new FormatException("invalid histogram schema " + value);
                    }
                    break;
                case "sum":
                    h.Sum = ParseNumber(value, key);
                    break;
                case "count":
                    h.Count = ParseNumber(value, key);
                    break;
                case "z_bucket":
                    h.ZeroCount = ParseNumber(value, key);
                    break;
                case "z_bucket_w":
                    h.ZeroThreshold = ParseNumber(value, key);
                    break;
                case "buckets":
                    pos = ParseList(value, key);
                    break;
                case "n_buckets":
                    neg = ParseList(value, key);
                    break;
                case "offset":
                    posOffset = ParseInt(value, key);
                    break;
                case "n_offset":
                    negOffset = ParseInt(value, key);
                    break;
                case "custom_values":
                    h.CustomValues = ParseList(value, key);
                    break;
                case "counter_reset_hint":
                    hintGiven = true;
                    h.CounterResetHint = value switch
                    {
                        "unknown" => CounterResetHint.Unknown,
                        "reset" => CounterResetHint.CounterReset,
                        "not_reset" => CounterResetHint.NotCounterReset,
                        "gauge" => CounterResetHint.Gauge,
                        _ => throw new FormatException("invalid counter_reset_hint " + GoText.Quote(value)),
                    };
                    break;
                default:
                    throw new FormatException("unknown histogram key " + GoText.Quote(key));
            }
        }
        if (pos.Length > 0)
        {
            h.PositiveSpans = [new HistogramSpan(posOffset, (uint)pos.Length)];
            h.PositiveBuckets = pos;
        }
        if (neg.Length > 0)
        {
            h.NegativeSpans = [new HistogramSpan(negOffset, (uint)neg.Length)];
            h.NegativeBuckets = neg;
        }
        return h;
    }

    private static int ParseInt(string s, string key)
        => int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new FormatException("invalid integer " + GoText.Quote(s) + " for histogram key " + key);

    private static double ParseNumber(string s, string key)
    {
        string body = s.TrimStart('+', '-');
        bool neg = s.StartsWith('-');
        if (!GoText.TryParseNumber(body, out double v))
        {
            throw new FormatException("invalid number " + GoText.Quote(s) + " for histogram key " + key);
        }
        return neg ? -v : v;
    }

    private static double[] ParseList(string s, string key)
    {
        var parts = s.Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries);
        var r = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            r[i] = ParseNumber(parts[i], key);
        }
        return r;
    }
}
