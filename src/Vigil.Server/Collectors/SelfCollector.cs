using Vigil.Core.Storage;
using Vigil.Server.Metrics;

namespace Vigil.Server.Collectors;

/// <summary>Stores Vigil's own metrics (process, .NET runtime, TSDB and server instruments) — exactly what <c>/metrics</c> shows.</summary>
internal sealed class SelfCollector(SelfMetrics metrics) : ICollector
{
    /// <inheritdoc />
    public string Name => "self";

    /// <inheritdoc />
    public void Collect(IAppender appender, long timestampMs)
    {
        var writer = new SampleWriter(appender, timestampMs);
        foreach (var family in metrics.Collect())
        {
            foreach (var sample in family.Samples)
            {
                writer.Add(sample.Labels, sample.Value);
            }
        }
    }
}
