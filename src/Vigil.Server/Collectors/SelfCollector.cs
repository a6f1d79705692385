using Vigil.Core.Storage;
using Vigil.Server.Metrics;

namespace Vigil.Server.Collectors;

/// <summary>
/// Stores Vigil's own metrics (process, .NET runtime, TSDB and server instruments) — exactly what <c>/metrics</c> shows —
/// and publishes their types and help texts to the metadata store when one is given.
/// </summary>
internal sealed class SelfCollector(SelfMetrics metrics, MetricMetadataStore? metadata = null) : ICollector
{
    /// <inheritdoc />
    public string Name => "self";

    /// <inheritdoc />
    public void Collect(IAppender appender, long timestampMs)
    {
        var writer = new SampleWriter(appender, timestampMs);
        var families = metrics.Collect();
        metadata?.Publish(Name, families.Select(f => new KeyValuePair<string, MetricMetadata>(f.Name, new MetricMetadata(TypeName(f.Type), f.Help, string.Empty))));
        foreach (var family in families)
        {
            foreach (var sample in family.Samples)
            {
                writer.Add(sample.Labels, sample.Value);
            }
        }
    }

    private static string TypeName(MetricType type) => type switch
    {
        MetricType.Counter => "counter",
        MetricType.Gauge => "gauge",
        MetricType.Histogram => "histogram",
        _ => "unknown",
    };
}
