using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Vigil.Analysis.Insights;

/// <summary>
/// The insights: one per cause (engine and key), opened when first found, updated on every run that finds it again and
/// resolved on the first run that does not. Kept in <c>insights/insights.json</c> in the data directory (rewritten
/// atomically after every run), so they survive a restart; in memory only without a data directory.
/// </summary>
/// <remarks>Thread-safe: the analysis loop applies runs while the API and the optimizer read.</remarks>
internal sealed class InsightStore
{
    /// <summary>The directory inside the data directory.</summary>
    public const string DirectoryName = "insights";

    /// <summary>The file name.</summary>
    public const string FileName = "insights.json";

    private readonly object _lock = new();
    private readonly string? _path;
    private readonly int _historyLimit;
    private readonly TimeSpan _retention;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly List<PerformanceInsight> _insights = new();

    /// <summary>
    /// Opens the store, loading what an earlier run saved in <paramref name="dataDirectory"/> (null: memory only). At most
    /// <paramref name="historyLimit"/> resolved insights are kept, none longer than <paramref name="retention"/> after it ended.
    /// </summary>
    public InsightStore(string? dataDirectory, int historyLimit, ILogger logger, TimeProvider clock, TimeSpan? retention = null)
    {
        _historyLimit = historyLimit;
        _retention = retention ?? TimeSpan.MaxValue;
        _logger = logger;
        _clock = clock;
        if (dataDirectory is null)
        {
            return;
        }
        _path = Path.Combine(dataDirectory, DirectoryName, FileName);
        if (!File.Exists(_path))
        {
            return;
        }
        try
        {
            using var stream = File.OpenRead(_path);
            var loaded = JsonSerializer.Deserialize(stream, InsightJson.Default.ListPerformanceInsight) ?? [];
            _insights.AddRange(loaded);
            _logger.LogInformation("Insights: {Count} loaded from {Path} ({Active} active)", loaded.Count, _path, loaded.Count(i => i.State == InsightState.Active));
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            _logger.LogWarning("Insights: cannot read {Path} ({Error}); starting with none", _path, e.Message);
        }
    }

    /// <summary>The file, or null when kept in memory.</summary>
    public string? FilePath => _path;

    /// <summary>Every insight, active first, then by severity (highest first), then the most recently updated first.</summary>
    public IReadOnlyList<PerformanceInsight> All()
    {
        lock (_lock)
        {
            return Ordered(_insights);
        }
    }

    /// <summary>Active first, then by severity (highest first), then the most recently updated first.</summary>
    internal static List<PerformanceInsight> Ordered(IEnumerable<PerformanceInsight> insights) => insights
        .OrderBy(i => i.State)
        .ThenByDescending(i => i.Severity)
        .ThenByDescending(i => i.UpdatedAt)
        .ToList();

    /// <summary>The active insights.</summary>
    public IReadOnlyList<PerformanceInsight> Active()
    {
        lock (_lock)
        {
            return _insights.Where(i => i.State == InsightState.Active).ToList();
        }
    }

    /// <summary>The insight with <paramref name="id"/>, or null.</summary>
    public PerformanceInsight? Find(string id)
    {
        lock (_lock)
        {
            return _insights.FirstOrDefault(i => i.Id == id);
        }
    }

    /// <summary>
    /// Applies one run of <paramref name="engine"/>: findings update the active insight with their key or open a new
    /// one; the engine's active insights without a finding are resolved. Saves the file.
    /// </summary>
    public void Apply(string engine, IReadOnlyList<Finding> findings)
    {
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            var byKey = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < _insights.Count; i++)
            {
                var insight = _insights[i];
                if (insight.Engine == engine && insight.State == InsightState.Active)
                {
                    byKey[insight.Key] = i;
                }
            }
            var found = new HashSet<string>(StringComparer.Ordinal);
            foreach (var f in findings)
            {
                if (!found.Add(f.Key))
                {
                    continue;
                }
                if (byKey.TryGetValue(f.Key, out int index))
                {
                    _insights[index] = Fill(_insights[index], f, now);
                }
                else
                {
                    var opened = Fill(new PerformanceInsight
                    {
                        Id = Guid.CreateVersion7(now).ToString("N"),
                        Key = f.Key,
                        Engine = engine,
                        Type = f.Type,
                        Description = f.Description,
                        StartsAt = now,
                    }, f, now);
                    _insights.Add(opened);
                    _logger.LogInformation("Insight {Type} ({Severity}): {Description}", opened.Type, opened.Severity, opened.Description);
                }
            }
            foreach (var (key, index) in byKey)
            {
                if (!found.Contains(key))
                {
                    _insights[index] = _insights[index] with { State = InsightState.Resolved, EndsAt = now, UpdatedAt = now };
                    _logger.LogInformation("Insight {Type} resolved: {Description}", _insights[index].Type, _insights[index].Description);
                }
            }
            Trim();
            Save();
        }
    }

    private static PerformanceInsight Fill(PerformanceInsight insight, Finding f, DateTimeOffset now) => insight with
    {
        Type = f.Type,
        State = InsightState.Active,
        Severity = f.Severity,
        Description = f.Description,
        Labels = f.Labels,
        AffectedSeries = f.AffectedSeries.Select(l => (IReadOnlyDictionary<string, string>)l.ToDictionary()).ToList(),
        EvidenceQueries = f.Queries ?? [],
        Confidence = f.Confidence,
        Evidence = f.Evidence,
        Recommendations = f.Recommendations,
        UpdatedAt = now,
        EndsAt = null,
    };

    private void Trim()
    {
        if (_retention != TimeSpan.MaxValue)
        {
            var cutoff = _clock.GetUtcNow() - _retention;
            _insights.RemoveAll(i => i.State == InsightState.Resolved && i.EndsAt < cutoff);
        }
        int resolved = _insights.Count(i => i.State == InsightState.Resolved);
        if (resolved <= _historyLimit)
        {
            return;
        }
        var drop = _insights.Where(i => i.State == InsightState.Resolved).OrderBy(i => i.EndsAt).Take(resolved - _historyLimit).ToHashSet();
        _insights.RemoveAll(drop.Contains);
    }

    private void Save()
    {
        if (_path is null)
        {
            return;
        }
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            string temp = _path + ".tmp";
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, _insights, InsightJson.Writer.ListPerformanceInsight);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, _path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Insights: cannot save {Path}: {Error}", _path, e.Message);
        }
    }
}
