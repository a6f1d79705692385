namespace Vigil.Cli.Top;

/// <summary>Reads a <see cref="TopSnapshot"/> from a <see cref="ITopSource"/>, all queries at one evaluation time.</summary>
internal sealed class TopReader(ITopSource source, TimeProvider clock)
{
    public async Task<TopSnapshot> ReadAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var queries = TopSection.All.SelectMany(s => s.Metrics.Select(m => (Section: s, Metric: m))).ToList();
        var results = await source.QueryAsync(queries.Select(q => q.Metric.Expr).ToList(), now.ToUnixTimeMilliseconds(), ct).ConfigureAwait(false);
        var sections = TopSection.All.ToDictionary(s => s.Id, _ => new SortedDictionary<string, Dictionary<string, double>>(StringComparer.Ordinal));
        for (int i = 0; i < queries.Count; i++)
        {
            var (section, metric) = queries[i];
            foreach (var (labels, value) in results[i])
            {
                string key = string.Join('/', section.KeyLabels.Select(l => labels.GetValueOrDefault(l, string.Empty)));
                if (!sections[section.Id].TryGetValue(key, out var values))
                {
                    sections[section.Id][key] = values = new Dictionary<string, double>(StringComparer.Ordinal);
                }
                values[metric.Id] = value;
            }
        }
        return new TopSnapshot(now, sections);
    }
}
