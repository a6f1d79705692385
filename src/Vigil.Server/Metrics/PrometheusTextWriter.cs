using System.Globalization;
using System.Text;
using Vigil.Core.Labels;

namespace Vigil.Server.Metrics;

/// <summary>Renders metric families in the Prometheus text exposition format 0.0.4.</summary>
/// <remarks>
/// A minimal writer for Vigil's own <c>/metrics</c>; the shared exposition code in <c>Vigil.Core</c> can replace it.
/// Label values escape <c>\</c>, <c>"</c> and newline; HELP escapes <c>\</c> and newline; values are shortest
/// round-trip invariant doubles or <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>.
/// </remarks>
internal static class PrometheusTextWriter
{
    /// <summary>The Content-Type of the text format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Write(IEnumerable<MetricFamily> families)
    {
        var sb = new StringBuilder(16 * 1024);
        foreach (var f in families)
        {
            Write(sb, f);
        }
        return sb.ToString();
    }

    public static void Write(StringBuilder sb, MetricFamily family)
    {
        sb.Append("# HELP ").Append(family.Name).Append(' ');
        AppendEscaped(sb, family.Help, escapeQuote: false);
        sb.Append('\n');
        sb.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Type switch
        {
            MetricType.Counter => "counter",
            MetricType.Gauge => "gauge",
            MetricType.Histogram => "histogram",
            _ => "untyped",
        }).Append('\n');
        foreach (var s in family.Samples)
        {
            sb.Append(s.Labels.Name);
            bool first = true;
            foreach (var l in s.Labels.AsSpan())
            {
                if (l.Name == LabelSet.MetricName)
                {
                    continue;
                }
                sb.Append(first ? '{' : ',');
                first = false;
                sb.Append(l.Name).Append("=\"");
                AppendEscaped(sb, l.Value, escapeQuote: true);
                sb.Append('"');
            }
            if (!first)
            {
                sb.Append('}');
            }
            sb.Append(' ');
            AppendValue(sb, s.Value);
            sb.Append('\n');
        }
    }

    public static void AppendValue(StringBuilder sb, double v)
    {
        if (double.IsPositiveInfinity(v))
        {
            sb.Append("+Inf");
        }
        else if (double.IsNegativeInfinity(v))
        {
            sb.Append("-Inf");
        }
        else if (double.IsNaN(v))
        {
            sb.Append("NaN");
        }
        else
        {
            sb.Append(v.ToString("R", CultureInfo.InvariantCulture));
        }
    }

    private static void AppendEscaped(StringBuilder sb, string s, bool escapeQuote)
    {
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '"' when escapeQuote: sb.Append("\\\""); break;
                default: sb.Append(c); break;
            }
        }
    }
}
