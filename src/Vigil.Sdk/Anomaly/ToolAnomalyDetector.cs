using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Vigil.Analysis.Statistics;
using Vigil.Sdk.Profiling;
using Vigil.Sdk.Summaries;

namespace Vigil.Sdk.Anomaly;

/// <summary>
/// Per-tool baselines and anomaly detection (the seed's <c>PerformanceAnomalyDetector</c>): an Isolation Forest from
/// <c>Vigil.Analysis</c> over the feature vectors [duration, CPU time, allocated bytes, errors, cache hits, cache
/// misses] (standardized by the forest), plus per-feature mean and standard deviation with warning (2σ) and critical
/// (3σ) thresholds. <see cref="Detect"/> gives the verdict, the score, the deviating features with their z-scores and
/// severity, and recommendations in plain words. Runs entirely in process; no server needed.
/// </summary>
/// <remarks>
/// Thread-safe: baselines are immutable and swapped whole on retraining. Retraining can run on a schedule from a
/// <see cref="ToolProfiler"/>'s rolling store (<see cref="StartRetraining"/>), and completed runs can be checked as
/// they finish (<see cref="Watch"/>).
/// </remarks>
public sealed class ToolAnomalyDetector : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ToolBaseline> _baselines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StatusCell> _status = new(StringComparer.Ordinal);
    private readonly Queue<DetectedAnomaly> _recent = new();
    private readonly Meter _meter;
    private readonly Counter<long> _anomalies;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private CancellationTokenSource? _stop;
    private Task? _retraining;
    private long _retrainErrors;
    private long _retrains;

    /// <summary>Creates a detector with no baselines.</summary>
    public ToolAnomalyDetector(ToolAnomalyDetectorOptions? options = null)
    {
        Options = options ?? new ToolAnomalyDetectorOptions();
        Options.Validate();
        _time = Options.TimeProvider;
        _meter = new Meter(Options.MeterName);
        _meter.CreateObservableGauge("vigil.tool.anomaly_score", () => Observe(static c => c.Score), description: "Isolation Forest score of each tool's latest checked run.");
        _meter.CreateObservableGauge("vigil.tool.anomaly_threshold", () => Observe(static c => c.Threshold), description: "Score above which a tool's run is anomalous (its baseline's threshold).");
        _anomalies = _meter.CreateCounter<long>("vigil.tool.anomalies", "{run}", "Anomalous runs by tool and severity.");
    }

    /// <summary>The meter of the detector's instruments (<c>vigil.tool.anomaly_score</c>, <c>vigil.tool.anomaly_threshold</c>, <c>vigil.tool.anomalies</c>).</summary>
    public Meter Meter => _meter;

    /// <summary>Raised by <see cref="Watch"/> for every completed run found anomalous, on the thread that ended the run.</summary>
    public event Action<AnomalyReport>? AnomalyDetected;

    /// <summary>The options.</summary>
    public ToolAnomalyDetectorOptions Options { get; }

    /// <summary>The current baselines, ordered by tool.</summary>
    public IReadOnlyList<ToolBaseline> Baselines => [.. _baselines.Values.OrderBy(b => b.Tool, StringComparer.Ordinal)];

    /// <summary>Completed scheduled retraining passes.</summary>
    public long Retrains => Interlocked.Read(ref _retrains);

    /// <summary>Scheduled retraining passes that failed (the previous baselines stay).</summary>
    public long RetrainErrors => Interlocked.Read(ref _retrainErrors);

    /// <summary>The baseline of <paramref name="tool"/>, or null.</summary>
    public ToolBaseline? GetBaseline(string tool) => tool is null ? null : _baselines.GetValueOrDefault(tool);

    /// <summary>
    /// Trains (or retrains) the baseline of <paramref name="tool"/> from <paramref name="history"/>; returns it, or null
    /// (keeping any previous baseline) when there are fewer than <see cref="ToolAnomalyDetectorOptions.MinTrainingRuns"/> runs.
    /// </summary>
    public ToolBaseline? TrainBaseline(string tool, IReadOnlyList<ToolRun> history)
    {
        ArgumentException.ThrowIfNullOrEmpty(tool);
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count < Options.MinTrainingRuns)
        {
            return null;
        }
        var features = DeviationAnalysis.Compute(history, Options.WarningSigma, Options.CriticalSigma);
        var rows = new double[history.Count][];
        Span<double> raw = stackalloc double[FeatureVector.Width];
        for (int r = 0; r < rows.Length; r++)
        {
            FeatureVector.Fill(history[r], raw);
            var row = new double[FeatureVector.Width];
            for (int f = 0; f < row.Length; f++)
            {
                row[f] = double.IsNaN(raw[f]) ? ToolBaseline.Fill(features[f]) : raw[f];
            }
            rows[r] = row;
        }
        var forest = new IsolationForest(Options.Trees, Options.Subsample, Options.Seed);
        forest.Fit(rows);
        var scores = new double[rows.Length];
        for (int r = 0; r < rows.Length; r++)
        {
            scores[r] = forest.Score(rows[r]);
        }
        Array.Sort(scores);
        double threshold = DistributionSummary.Percentile(scores, 100 * (1 - Options.Contamination));
        var baseline = new ToolBaseline(tool, _time.GetUtcNow().ToUnixTimeMilliseconds(), history.Count, features, forest, threshold);
        _baselines[tool] = baseline;
        return baseline;
    }

    /// <summary>Retrains every tool of <paramref name="profiler"/> from its runs within the training window; returns the baselines trained.</summary>
    public int TrainAll(ToolProfiler profiler)
    {
        ArgumentNullException.ThrowIfNull(profiler);
        int trained = 0;
        foreach (string tool in profiler.Tools)
        {
            if (TrainBaseline(tool, profiler.GetRuns(tool, Options.TrainingWindow)) is not null)
            {
                trained++;
            }
        }
        return trained;
    }

    /// <summary>
    /// The verdict on <paramref name="run"/> against its tool's baseline: forest score and flag, deviating features
    /// (z-scores, severity) and recommendations. Without a baseline the report says so in <see cref="AnomalyReport.Reason"/>.
    /// </summary>
    public AnomalyReport Detect(in ToolRun run)
    {
        string tool = run.Tool ?? ToolProfiler.InvalidToolName;
        if (!_baselines.TryGetValue(tool, out var baseline))
        {
            return new AnomalyReport(tool, false, double.NaN, double.NaN, AnomalySeverity.Normal, [],
                ["No baseline for this tool yet; keep collecting runs."], $"no baseline model for tool \"{tool}\" (needs {Options.MinTrainingRuns} runs)");
        }
        Span<double> features = stackalloc double[FeatureVector.Width];
        FeatureVector.Fill(run, features);
        double score = baseline.Forest.Score(baseline.Impute(features));
        var deviations = DeviationAnalysis.Analyze(features, baseline.Features, Options.WarningSigma, Options.CriticalSigma);
        var severity = DeviationAnalysis.Severity(deviations);
        bool forestAnomaly = score > baseline.ScoreThreshold;
        return new AnomalyReport(tool, forestAnomaly || severity == AnomalySeverity.Critical, score, baseline.ScoreThreshold, severity,
            deviations, Recommendations.For(deviations, forestAnomaly), null);
    }

    /// <summary>
    /// Checks every run <paramref name="profiler"/> completes and raises <see cref="AnomalyDetected"/> for anomalous ones;
    /// dispose the result to stop. Detection costs one forest traversal (about 100 trees × tree height) per run.
    /// </summary>
    public IDisposable Watch(ToolProfiler profiler)
    {
        ArgumentNullException.ThrowIfNull(profiler);
        void OnRun(ToolRun run)
        {
            if (!_baselines.ContainsKey(run.Tool ?? string.Empty))
            {
                return;
            }
            var report = Detect(run);
            Note(run.TimestampMs, report);
            if (report.IsAnomaly)
            {
                AnomalyDetected?.Invoke(report);
            }
        }
        profiler.RunCompleted += OnRun;
        return new Subscription(() => profiler.RunCompleted -= OnRun);
    }

    /// <summary>Trains every tool of <paramref name="profiler"/> now and then every <see cref="ToolAnomalyDetectorOptions.RetrainInterval"/>; calling it again does nothing.</summary>
    public void StartRetraining(ToolProfiler profiler)
    {
        ArgumentNullException.ThrowIfNull(profiler);
        lock (_lock)
        {
            if (_retraining is not null)
            {
                return;
            }
            _stop = new CancellationTokenSource();
            var token = _stop.Token;
            _retraining = Task.Run(async () =>
            {
                using var timer = new PeriodicTimer(Options.RetrainInterval, _time);
                do
                {
                    try
                    {
                        TrainAll(profiler);
                        Interlocked.Increment(ref _retrains);
                    }
                    catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                    {
                        // Note: a failed pass keeps the previous baselines; the count is the signal.
                        Interlocked.Increment(ref _retrainErrors);
                    }
                }
                while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false));
            }, CancellationToken.None);
        }
    }

    /// <summary>Stops scheduled retraining and waits for a pass in progress.</summary>
    public async Task StopRetrainingAsync()
    {
        Task? task;
        CancellationTokenSource? stop;
        lock (_lock)
        {
            (task, stop, _retraining, _stop) = (_retraining, _stop, null, null);
        }
        if (task is null)
        {
            return;
        }
        await stop!.CancelAsync().ConfigureAwait(false);
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        stop.Dispose();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopRetrainingAsync().ConfigureAwait(false);
        _meter.Dispose();
    }

    /// <summary>What the detector has seen of <paramref name="tool"/> while watching, or null when no run of it was checked.</summary>
    public ToolAnomalyStatus? GetStatus(string tool)
    {
        lock (_status)
        {
            return tool is not null && _status.TryGetValue(tool, out var c) ? c.ToStatus(tool) : null;
        }
    }

    /// <summary>The status of every tool checked so far, by name.</summary>
    public IReadOnlyList<ToolAnomalyStatus> Statuses
    {
        get
        {
            lock (_status)
            {
                return [.. _status.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value.ToStatus(p.Key))];
            }
        }
    }

    /// <summary>The anomalies found while watching whose runs ended within <paramref name="window"/> before now, oldest first (at most <see cref="ToolAnomalyDetectorOptions.MaxRecentAnomalies"/> are kept).</summary>
    public IReadOnlyList<DetectedAnomaly> RecentAnomalies(TimeSpan window)
    {
        long since = window <= TimeSpan.Zero || window == TimeSpan.MaxValue ? long.MinValue : _time.GetUtcNow().ToUnixTimeMilliseconds() - (long)window.TotalMilliseconds;
        lock (_status)
        {
            return [.. _recent.Where(a => a.TimestampMs >= since)];
        }
    }

    /// <summary>Records a watched run's verdict: the tool's status, the anomaly counter, the recent list.</summary>
    private void Note(long timestampMs, AnomalyReport report)
    {
        lock (_status)
        {
            if (!_status.TryGetValue(report.Tool, out var cell))
            {
                if (_status.Count >= Options.MaxTools)
                {
                    // Note: baselines exist only for the profiler's tools, which it caps itself; this is a second fence.
                    return;
                }
                _status.Add(report.Tool, cell = new StatusCell());
            }
            cell.Checks++;
            (cell.LastMs, cell.Score, cell.Threshold, cell.IsAnomaly, cell.Severity) = (timestampMs, report.Score, report.ScoreThreshold, report.IsAnomaly, report.Severity);
            if (report.IsAnomaly)
            {
                cell.Anomalies[(int)report.Severity]++;
                _recent.Enqueue(new DetectedAnomaly(timestampMs, report));
                while (_recent.Count > Options.MaxRecentAnomalies)
                {
                    _recent.Dequeue();
                }
            }
        }
        if (report.IsAnomaly)
        {
            _anomalies.Add(1, new KeyValuePair<string, object?>("tool", report.Tool), new KeyValuePair<string, object?>("severity", SeverityWord(report.Severity)));
        }
    }

    /// <summary>The lower-case word of a severity, as exported: normal, warning or critical.</summary>
    public static string SeverityWord(AnomalySeverity severity) => severity switch
    {
        AnomalySeverity.Critical => "critical",
        AnomalySeverity.Warning => "warning",
        _ => "normal",
    };

    private List<Measurement<double>> Observe(Func<StatusCell, double> select)
    {
        var result = new List<Measurement<double>>();
        lock (_status)
        {
            foreach (var (tool, cell) in _status)
            {
                double v = select(cell);
                if (double.IsFinite(v))
                {
                    result.Add(new Measurement<double>(v, new KeyValuePair<string, object?>("tool", tool)));
                }
            }
        }
        return result;
    }

    /// <summary>The mutable status of one tool, guarded by the status lock.</summary>
    private sealed class StatusCell
    {
        public long Checks;
        public long LastMs;
        public double Score = double.NaN;
        public double Threshold = double.NaN;
        public bool IsAnomaly;
        public AnomalySeverity Severity;
        public readonly long[] Anomalies = new long[3];

        public ToolAnomalyStatus ToStatus(string tool) => new(tool, Checks, LastMs, Score, Threshold, IsAnomaly, Severity, [.. Anomalies]);
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
