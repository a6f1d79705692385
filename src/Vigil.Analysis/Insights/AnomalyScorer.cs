using Microsoft.Extensions.Logging;
using Vigil.Analysis.Anomaly;
using Vigil.Core.Labels;
using Vigil.Core.Storage;

namespace Vigil.Analysis.Insights;

/// <summary>
/// Scores every new sample of the selected series with one streaming detector per series and writes the results back
/// as series: <c>vigil_anomaly_score{&lt;source labels&gt;, metric_name, detector}</c> and <c>vigil_anomalous</c> (0/1) at the
/// sample's time, and per instance <c>vigil_anomaly_rate</c> (the share of its scored series anomalous now) at evaluation time.
/// </summary>
/// <remarks>
/// Counters (names ending in <c>_total</c>, <c>_count</c> or <c>_sum</c>) are scored on their per-second rate between
/// consecutive samples, a drop counting from zero as <c>rate()</c> does; histogram buckets are not scored. Detector
/// state is saved to the data directory (<see cref="ScorerStateFile"/>) and restored at start; series without saved
/// state are trained on the stored history of the warm-up window without writing scores for it.
/// Not thread-safe: one loop calls <see cref="Evaluate"/>; <see cref="Snapshot"/> may be called from any thread.
/// </remarks>
internal sealed class AnomalyScorer
{
    /// <summary>The score series' name.</summary>
    public const string ScoreMetric = "vigil_anomaly_score";

    /// <summary>The 0/1 series' name.</summary>
    public const string AnomalousMetric = "vigil_anomalous";

    /// <summary>The per-instance share of anomalous series.</summary>
    public const string RateMetric = "vigil_anomaly_rate";

    /// <summary>The label carrying the source series' metric name on the outputs.</summary>
    public const string MetricNameLabel = "metric_name";

    /// <summary>The label naming the detector on <c>vigil_anomaly_score</c>.</summary>
    public const string DetectorLabel = "detector";

    private readonly AnalysisConfig _config;
    private readonly IStorage _storage;
    private readonly LabelSet _self;
    private readonly ILogger _logger;
    private readonly LabelMatcher[][] _selectors;
    private readonly SeriesDetectorMap _detectors;
    private readonly Dictionary<LabelSet, SeriesState> _series = new();
    private readonly object _snapshotLock = new();
    private readonly long _holdMs;
    private readonly long _staleMs;
    private IReadOnlyList<AnomalousSeries> _snapshot = [];
    private ulong _nextId = 1;
    private long _lastEvaluationMs = long.MinValue;
    private readonly long _startMs;
    private long _pointsScored;
    private long _skipped;
    private bool _warnedFull;

    /// <summary>
    /// Creates a scorer; <paramref name="self"/> holds the server's <c>job</c> and <c>instance</c> labels. Samples older
    /// than <paramref name="startMs"/> (the server's start) only train detectors that have no saved state.
    /// </summary>
    public AnomalyScorer(AnalysisConfig config, IStorage storage, LabelSet self, long startMs, ILogger logger)
    {
        _startMs = startMs;
        _config = config;
        _storage = storage;
        _self = self;
        _logger = logger;
        _detectors = new SeriesDetectorMap(config.Detector, config.DetectorParameters);
        var selectors = new List<LabelMatcher[]>();
        if (config.BuiltinSeries)
        {
            selectors.Add([LabelMatcher.Equal("job", self.Get("job"))]);
        }
        selectors.AddRange(config.Selectors.Select(s => s.Matchers.ToArray()));
        _selectors = [.. selectors];
        _holdMs = (long)config.Hold.TotalMilliseconds;
        _staleMs = Math.Max((long)TimeSpan.FromHours(1).TotalMilliseconds, 4 * _holdMs);
    }

    /// <summary>The number of series with a detector.</summary>
    public int SeriesCount => _series.Count;

    /// <summary>Points scored since start (warm-up included).</summary>
    public long PointsScored => _pointsScored;

    /// <summary>Series not scored because <see cref="AnalysisConfig.MaxSeries"/> was reached, in the latest evaluation.</summary>
    public long Skipped => _skipped;

    /// <summary>The series anomalous as of the latest evaluation (within the hold time), the highest peak score first.</summary>
    public IReadOnlyList<AnomalousSeries> Snapshot()
    {
        lock (_snapshotLock)
        {
            return _snapshot;
        }
    }

    /// <summary>The anomalous and scored series counts per <c>instance</c> as of the latest evaluation.</summary>
    public IReadOnlyDictionary<string, (int Anomalous, int Scored)> Rates { get; private set; } = new Dictionary<string, (int, int)>();

    /// <summary>
    /// Reads the samples of the selected series that arrived since the last evaluation, scores them and writes the
    /// outputs at <paramref name="nowMs"/>. Returns the number of points scored (warm-up included).
    /// </summary>
    public int Evaluate(long nowMs)
    {
        bool first = _lastEvaluationMs == long.MinValue;
        long intervalMs = (long)_config.EvaluationInterval.TotalMilliseconds;
        // Note: late samples (a scrape committed after its timestamp) are still read if they are at most one interval
        // (and at least 30 s) older than the previous evaluation; later arrivals are skipped.
        long from = first
            ? nowMs - Math.Max((long)_config.Warmup.TotalMilliseconds, intervalMs)
            : _lastEvaluationMs - Math.Max(intervalMs, 30_000);
        foreach (var s in _series.Values)
        {
            if (first && s.Restored)
            {
                from = Math.Min(from, Math.Max(s.LastT + 1, nowMs - (long)_config.Warmup.TotalMilliseconds));
            }
        }
        // Note: a series first seen by a later evaluation (a new host, or one the store indexed late) learns from the
        // warm-up window like the series of the first evaluation, not only from the lateness window.
        long warmupFrom = nowMs - Math.Max((long)_config.Warmup.TotalMilliseconds, intervalMs);
        Dictionary<LabelSet, SeriesState>? fresh = null;
        int scored = 0;
        _skipped = 0;
        var appender = _storage.Appender();
        try
        {
            using (var querier = _storage.Querier(from, nowMs))
            {
                var seen = _selectors.Length > 1 ? new HashSet<LabelSet>() : null;
                ISampleIterator? iterator = null;
                var hints = new SelectHints(from, nowMs);
                foreach (var matchers in _selectors)
                {
                    var set = querier.Select(false, hints, matchers);
                    while (set.MoveNext())
                    {
                        var series = set.Current;
                        var labels = series.Labels;
                        if (seen is not null && !seen.Add(labels))
                        {
                            continue;
                        }
                        if (!_series.TryGetValue(labels, out var state))
                        {
                            if (Excluded(labels.Name))
                            {
                                continue;
                            }
                            if (_series.Count >= _config.MaxSeries)
                            {
                                _skipped++;
                                continue;
                            }
                            state = NewState(labels);
                            _series.Add(labels, state);
                            if (warmupFrom < from)
                            {
                                (fresh ??= new Dictionary<LabelSet, SeriesState>()).Add(labels, state);
                                continue;
                            }
                        }
                        iterator = series.Iterator(iterator);
                        scored += Score(state, iterator, appender);
                    }
                    if (set.Error is { } error)
                    {
                        _logger.LogWarning("Analysis: reading series for {Selector} failed: {Error}", string.Join(",", matchers.Select(m => m.ToString())), error.Message);
                    }
                }
            }
            if (fresh is not null)
            {
                scored += ScoreFresh(fresh, warmupFrom, nowMs, appender);
            }
            Finish(nowMs, appender);
            appender.Commit();
        }
        catch
        {
            appender.Rollback();
            throw;
        }
        if (_skipped > 0 && !_warnedFull)
        {
            _warnedFull = true;
            _logger.LogWarning("Analysis: {Skipped} series are not scored because max_series ({Max}) is reached", _skipped, _config.MaxSeries);
        }
        _lastEvaluationMs = nowMs;
        _pointsScored += scored;
        return scored;
    }

    /// <summary>Scores the series new to a later evaluation from the start of the warm-up window; a series not read
    /// again (the store failed) keeps no position and is read from the lateness window next time.</summary>
    private int ScoreFresh(Dictionary<LabelSet, SeriesState> fresh, long from, long nowMs, IAppender appender)
    {
        int scored = 0;
        using var querier = _storage.Querier(from, nowMs);
        var hints = new SelectHints(from, nowMs);
        ISampleIterator? iterator = null;
        foreach (var matchers in _selectors)
        {
            var set = querier.Select(false, hints, matchers);
            while (fresh.Count > 0 && set.MoveNext())
            {
                if (fresh.Remove(set.Current.Labels, out var state))
                {
                    iterator = set.Current.Iterator(iterator);
                    scored += Score(state, iterator, appender);
                }
            }
            if (set.Error is { } error)
            {
                _logger.LogWarning("Analysis: reading the warm-up history for {Selector} failed: {Error}", string.Join(",", matchers.Select(m => m.ToString())), error.Message);
            }
            if (fresh.Count == 0)
            {
                break;
            }
        }
        return scored;
    }

    private int Score(SeriesState s, ISampleIterator it, IAppender appender)
    {
        int scored = 0;
        if (!it.Seek(s.LastT + 1))
        {
            return 0;
        }
        do
        {
            long t = it.T;
            double v = it.V;
            if (!double.IsFinite(v))
            {
                // Note: stale markers and NaN carry no level; the next real sample continues the series (and a
                // counter's next rate is taken against the last real value).
                continue;
            }
            double input = v;
            if (s.IsCounter)
            {
                bool hasPrevious = s.LastT != long.MinValue;
                double previous = s.PreviousValue;
                long previousT = s.LastT;
                s.PreviousValue = v;
                s.LastT = t;
                if (!hasPrevious || t <= previousT)
                {
                    continue;
                }
                input = (v >= previous ? v - previous : v) * 1000.0 / (t - previousT);
            }
            else
            {
                s.LastT = t;
            }
            double score = _detectors.Score(s.Id, t, input);
            scored++;
            // Note: a series without saved state learns from history older than this process without writing scores for it.
            if (!s.Restored && t < _startMs)
            {
                continue;
            }
            if (score >= _config.Threshold)
            {
                if (s.LastHitT == long.MinValue || t - s.LastHitT > _holdMs)
                {
                    s.EpisodeStartT = t;
                    s.PeakScore = 0;
                }
                s.LastHitT = t;
                s.PeakScore = Math.Max(s.PeakScore, score);
            }
            bool anomalous = s.LastHitT != long.MinValue && t - s.LastHitT <= _holdMs;
            // Note: refusals (a duplicate after a restart re-scores what was written before a crash) are expected and ignored.
            appender.TryAppend(ref s.ScoreRef, s.ScoreLabels, t, score, out _);
            appender.TryAppend(ref s.AnomalousRef, s.AnomalousLabels, t, anomalous ? 1 : 0, out _);
        }
        while (it.Next());
        return scored;
    }

    private void Finish(long nowMs, IAppender appender)
    {
        var rates = new Dictionary<string, (int Anomalous, int Scored)>(StringComparer.Ordinal);
        var anomalous = new List<AnomalousSeries>();
        List<LabelSet>? stale = null;
        foreach (var (labels, s) in _series)
        {
            if (s.LastT == long.MinValue)
            {
                continue;
            }
            if (nowMs - s.LastT > _staleMs)
            {
                // Note: a series silent for the stale time is forgotten, so memory follows the live series.
                (stale ??= []).Add(labels);
                continue;
            }
            string instance = labels.Get("instance");
            rates.TryGetValue(instance, out var r);
            bool isAnomalous = s.LastHitT != long.MinValue && nowMs - s.LastHitT <= _holdMs;
            rates[instance] = (r.Anomalous + (isAnomalous ? 1 : 0), r.Scored + 1);
            if (isAnomalous)
            {
                anomalous.Add(new AnomalousSeries(labels, s.PeakScore, s.EpisodeStartT, s.LastHitT));
            }
        }
        foreach (var labels in stale ?? [])
        {
            _detectors.Remove(_series[labels].Id);
            _series.Remove(labels);
        }
        foreach (var (instance, (bad, total)) in rates)
        {
            var rateLabels = instance.Length == 0 ? LabelSet.Of(LabelSet.MetricName, RateMetric) : LabelSet.Of(LabelSet.MetricName, RateMetric, "instance", instance);
            var none = SeriesRef.None;
            appender.TryAppend(ref none, rateLabels, nowMs, (double)bad / total, out _);
        }
        anomalous.Sort((a, b) => b.PeakScore.CompareTo(a.PeakScore));
        Rates = rates;
        lock (_snapshotLock)
        {
            _snapshot = anomalous;
        }
        Self(appender, nowMs, "vigil_analysis_series", _series.Count, "state", "scored");
        Self(appender, nowMs, "vigil_analysis_series", _skipped, "state", "skipped");
        Self(appender, nowMs, "vigil_analysis_points_scored_total", _pointsScored);
    }

    private void Self(IAppender appender, long nowMs, string name, double value, string? label = null, string? labelValue = null)
    {
        var b = new LabelSetBuilder(_self).Set(LabelSet.MetricName, name);
        if (label is not null)
        {
            b.Set(label, labelValue!);
        }
        var none = SeriesRef.None;
        appender.TryAppend(ref none, b.Build(), nowMs, value, out _);
    }

    private SeriesState NewState(LabelSet labels)
    {
        string name = labels.Name;
        var b = new LabelSetBuilder(labels).Set(LabelSet.MetricName, ScoreMetric).Set(MetricNameLabel, name).Set(DetectorLabel, _config.Detector);
        var scoreLabels = b.Build();
        var anomalousLabels = b.Set(LabelSet.MetricName, AnomalousMetric).Delete(DetectorLabel).Build();
        return new SeriesState(_nextId++, scoreLabels, anomalousLabels, IsCounter(name));
    }

    /// <summary>Whether a metric name denotes a counter by Prometheus naming conventions.</summary>
    internal static bool IsCounter(string name)
        => name.EndsWith("_total", StringComparison.Ordinal) || name.EndsWith("_count", StringComparison.Ordinal) || name.EndsWith("_sum", StringComparison.Ordinal);

    /// <summary>Series never scored: the analysis' own outputs (no feedback), alerts, histogram buckets and creation timestamps.</summary>
    internal static bool Excluded(string name)
        => name is ScoreMetric or AnomalousMetric or RateMetric or "ALERTS" or "ALERTS_FOR_STATE" or ""
           || name.StartsWith("vigil_analysis_", StringComparison.Ordinal) || name.StartsWith("vigil_insights_", StringComparison.Ordinal)
           || name.EndsWith("_bucket", StringComparison.Ordinal) || name.EndsWith("_created", StringComparison.Ordinal);

    /// <summary>Writes every series' detector and position to <paramref name="path"/> (atomically).</summary>
    public void Save(string path)
    {
        var entries = new List<ScorerStateFile.Entry>(_series.Count);
        var states = _detectors.SaveAll().ToDictionary(kv => kv.Key, kv => kv.Value);
        foreach (var (labels, s) in _series)
        {
            entries.Add(new ScorerStateFile.Entry(labels, s.LastT, s.PreviousValue, s.LastHitT, s.EpisodeStartT, s.PeakScore,
                states.GetValueOrDefault(s.Id)));
        }
        ScorerStateFile.Write(path, _config.Detector, _config.DetectorParameters, entries);
    }

    /// <summary>Restores what <see cref="Save"/> wrote; returns the number of series restored (0 when the file is missing, unreadable or for another detector).</summary>
    public int Load(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }
        IReadOnlyList<ScorerStateFile.Entry> entries;
        try
        {
            if (ScorerStateFile.Read(path, _config.Detector, _config.DetectorParameters, out string? mismatch) is not { } read)
            {
                _logger.LogInformation("Analysis: detector state in {Path} is not used: {Reason}", path, mismatch);
                return 0;
            }
            entries = read;
        }
        catch (Exception e) when (e is FormatException or IOException or EndOfStreamException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Analysis: cannot read detector state {Path}: {Error}; detectors start from the stored history", path, e.Message);
            return 0;
        }
        int restored = 0;
        foreach (var e in entries)
        {
            if (_series.Count >= _config.MaxSeries || Excluded(e.Labels.Name))
            {
                continue;
            }
            var s = NewState(e.Labels);
            s.LastT = e.LastT;
            s.PreviousValue = e.PreviousValue;
            s.LastHitT = e.LastHitT;
            s.EpisodeStartT = e.EpisodeStartT;
            s.PeakScore = e.PeakScore;
            s.Restored = true;
            if (e.Detector is { } bytes)
            {
                try
                {
                    _detectors.Restore(s.Id, bytes);
                }
                catch (FormatException ex)
                {
                    _logger.LogWarning("Analysis: detector state of {Series} is unreadable ({Error}); it starts afresh", e.Labels, ex.Message);
                    s.Restored = false;
                }
            }
            _series[e.Labels] = s;
            restored++;
        }
        return restored;
    }

    /// <summary>What is kept per scored series.</summary>
    private sealed class SeriesState(ulong id, LabelSet scoreLabels, LabelSet anomalousLabels, bool isCounter)
    {
        public readonly ulong Id = id;
        public readonly LabelSet ScoreLabels = scoreLabels;
        public readonly LabelSet AnomalousLabels = anomalousLabels;
        public readonly bool IsCounter = isCounter;
        public SeriesRef ScoreRef;
        public SeriesRef AnomalousRef;
        public long LastT = long.MinValue;
        public double PreviousValue;
        public long LastHitT = long.MinValue;
        public long EpisodeStartT = long.MinValue;
        public double PeakScore;
        public bool Restored;
    }
}

/// <summary>A series anomalous at the latest evaluation.</summary>
/// <param name="Labels">The source series.</param>
/// <param name="PeakScore">The highest score of the current episode.</param>
/// <param name="SinceMs">The first anomalous point of the episode (ms).</param>
/// <param name="LastMs">The latest anomalous point (ms).</param>
internal sealed record AnomalousSeries(LabelSet Labels, double PeakScore, long SinceMs, long LastMs);
