namespace Vigil.Cli.Top;

/// <summary>The values of every <see cref="TopSection"/> at one instant: section id → key → metric id → value.</summary>
internal sealed record TopSnapshot(DateTimeOffset Time, IReadOnlyDictionary<string, SortedDictionary<string, Dictionary<string, double>>> Sections)
{
    /// <summary>The value of <paramref name="metric"/> for <paramref name="key"/> in <paramref name="section"/>, if the server had one.</summary>
    public double? Get(string section, string key, string metric)
        => Sections.TryGetValue(section, out var keys) && keys.TryGetValue(key, out var values) && values.TryGetValue(metric, out double v) ? v : null;
}
