namespace Vigil.Server.Metrics;

/// <summary>The type, help text and unit of one metric family, as <c>/api/v1/metadata</c> lists it.</summary>
/// <param name="Type">Prometheus metric type: <c>counter</c>, <c>gauge</c>, <c>histogram</c>, <c>summary</c>, <c>unknown</c>, ...</param>
/// <param name="Help">The HELP text.</param>
/// <param name="Unit">The OpenMetrics unit, empty when none.</param>
internal readonly record struct MetricMetadata(string Type, string Help, string Unit);

/// <summary>
/// Metric metadata reported by Vigil's sources (built-in collectors, scrape targets): each source publishes its
/// complete current list, replacing what it published before; readers see the union, equal entries once.
/// </summary>
/// <remarks>Thread-safe: publishing swaps an immutable list under a lock, reading copies the references.</remarks>
internal sealed class MetricMetadataStore
{
    private readonly object _lock = new();
    private readonly Dictionary<string, IReadOnlyList<KeyValuePair<string, MetricMetadata>>> _bySource = new(StringComparer.Ordinal);

    /// <summary>Replaces everything <paramref name="source"/> published before with <paramref name="entries"/> (metric family name and metadata).</summary>
    public void Publish(string source, IEnumerable<KeyValuePair<string, MetricMetadata>> entries)
    {
        var list = entries.ToList();
        lock (_lock)
        {
            _bySource[source] = list;
        }
    }

    /// <summary>Removes what <paramref name="source"/> published (a target that went away).</summary>
    public void Remove(string source)
    {
        lock (_lock)
        {
            _bySource.Remove(source);
        }
    }

    /// <summary>
    /// The metadata per metric family name in name order, each family's distinct entries in first-seen order;
    /// only <paramref name="metric"/> when given.
    /// </summary>
    public SortedDictionary<string, List<MetricMetadata>> Snapshot(string? metric = null)
    {
        List<IReadOnlyList<KeyValuePair<string, MetricMetadata>>> lists;
        lock (_lock)
        {
            lists = [.. _bySource.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value)];
        }
        var result = new SortedDictionary<string, List<MetricMetadata>>(StringComparer.Ordinal);
        foreach (var list in lists)
        {
            foreach (var (name, md) in list)
            {
                if (metric is not null && name != metric)
                {
                    continue;
                }
                if (!result.TryGetValue(name, out var entries))
                {
                    result[name] = entries = new List<MetricMetadata>(1);
                }
                if (!entries.Contains(md))
                {
                    entries.Add(md);
                }
            }
        }
        return result;
    }
}
