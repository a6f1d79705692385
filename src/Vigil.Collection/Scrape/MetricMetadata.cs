using Vigil.Core.Exposition;

namespace Vigil.Collection.Scrape;

/// <summary>The type, help and unit a target declared for a metric family (from its TYPE, HELP and UNIT lines).</summary>
/// <param name="Metric">The family name.</param>
/// <param name="Type">The declared type.</param>
/// <param name="Help">The help text, or empty.</param>
/// <param name="Unit">The OpenMetrics unit, or empty.</param>
public sealed record MetricMetadata(string Metric, MetricType Type, string Help, string Unit)
{
    /// <summary>The type as Prometheus's API spells it: counter, gauge, histogram, gaugehistogram, summary, info, stateset, unknown.</summary>
    public string TypeName => Type switch
    {
        MetricType.Counter => "counter",
        MetricType.Gauge => "gauge",
        MetricType.Histogram => "histogram",
        MetricType.GaugeHistogram => "gaugehistogram",
        MetricType.Summary => "summary",
        MetricType.Info => "info",
        MetricType.StateSet => "stateset",
        _ => "unknown",
    };
}
