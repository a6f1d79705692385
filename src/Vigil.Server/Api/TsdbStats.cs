using Vigil.Core.Labels;

namespace Vigil.Server.Api;

/// <summary>Cardinality statistics gathered from series labels, as Prometheus's postings statistics count them.</summary>
internal sealed class TsdbStats
{
    // label name → label value → series with that pair
    private readonly Dictionary<string, Dictionary<string, long>> _pairs = new(StringComparer.Ordinal);

    public long NumSeries { get; private set; }

    public long NumLabelPairs { get; private set; }

    /// <summary>Oldest timestamp held (ms).</summary>
    public long MinTime { get; set; } = long.MaxValue;

    /// <summary>Newest sample timestamp (ms).</summary>
    public long MaxTime { get; set; } = long.MinValue;

    public void Add(LabelSet labels)
    {
        NumSeries++;
        foreach (var l in labels.AsSpan())
        {
            if (!_pairs.TryGetValue(l.Name, out var values))
            {
                values = new Dictionary<string, long>(StringComparer.Ordinal);
                _pairs.Add(l.Name, values);
            }
            values.TryGetValue(l.Value, out long n);
            if (n == 0)
            {
                NumLabelPairs++;
            }
            values[l.Value] = n + 1;
        }
    }

    public List<KeyValuePair<string, long>> SeriesCountByMetricName()
        => _pairs.TryGetValue(LabelSet.MetricName, out var names) ? [.. names] : [];

    public List<KeyValuePair<string, long>> LabelValueCountByLabelName()
        => _pairs.Select(p => new KeyValuePair<string, long>(p.Key, p.Value.Count)).ToList();

    /// <summary>Bytes of the distinct values of each label name (what the index spends on them).</summary>
    public List<KeyValuePair<string, long>> MemoryInBytesByLabelName()
        => _pairs.Select(p => new KeyValuePair<string, long>(p.Key, p.Value.Keys.Sum(v => (long)v.Length))).ToList();

    public List<KeyValuePair<string, long>> SeriesCountByLabelValuePair()
        => _pairs.SelectMany(p => p.Value.Select(v => new KeyValuePair<string, long>(p.Key + "=" + v.Key, v.Value))).ToList();
}
