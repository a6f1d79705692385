using System.Collections.Concurrent;
using Vigil.Collection.Scrape;

namespace Vigil.Collection.Push;

/// <summary>Metric metadata declared by pushes (TYPE/HELP lines of imports, metric_type/unit of JSON pushes), newest wins.</summary>
/// <remarks>Thread-safe. Kept in memory only; <c>/api/v1/metadata</c> shows it next to the targets' metadata.</remarks>
internal sealed class PushedMetadata
{
    private readonly ConcurrentDictionary<string, MetricMetadata> _byMetric = new(StringComparer.Ordinal);

    public void Set(MetricMetadata metadata) => _byMetric[metadata.Metric] = metadata;

    public IEnumerable<MetricMetadata> All() => _byMetric.Values;
}
