using Vigil.Core.Storage;
using Vigil.Collection.Collectors;
using Vigil.Collection.Scrape;

namespace Vigil.Server.Metrics;

/// <summary>
/// Stores Vigil's own metrics (process, .NET runtime, TSDB and server instruments) — exactly what <c>/metrics</c> shows —
/// and hands each family's type and help text to <paramref name="publishMetadata"/> when given (for <c>/api/v1/metadata</c>).
/// </summary>
internal sealed class SelfCollector(SelfMetrics metrics, Action<MetricMetadata>? publishMetadata = null) : ICollector
{
    /// <inheritdoc />
    public string Name => "self";

    /// <inheritdoc />
    public void Collect(IAppender appender, long timestampMs)
    {
        var writer = new SampleWriter(appender, timestampMs);
        foreach (var family in metrics.Collect())
        {
            publishMetadata?.Invoke(new MetricMetadata(family.Name, family.Type, family.Help ?? string.Empty, string.Empty));
            foreach (var sample in family.Samples)
            {
                writer.Add(sample.Labels, sample.Value);
            }
        }
    }
}
