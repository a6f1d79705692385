using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.PromQL.Engine;

namespace Vigil.Analysis.Insights;

/// <summary>
/// The analysis inside the server (the seed's <c>PerformanceAnalyzer</c>): on every evaluation interval the anomaly
/// scorer scores new samples; on every insights interval the engines (trend, bottleneck, anomaly, capacity) run on the
/// stored data and the store opens, updates and resolves insights, also written as <c>vigil_insights_active{type,severity}</c>.
/// </summary>
/// <remarks>
/// Thread-safe for readers (<see cref="Store"/>, <see cref="Scorer"/> snapshots); one loop evaluates. Detector state is
/// saved every <see cref="AnalysisConfig.StateSaveInterval"/> and at stop.
/// </remarks>
public sealed class AnalysisService : IAsyncDisposable
{
    private readonly AnalysisConfig _config;
    private readonly IStorage _storage;
    private readonly LabelSet _self;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly string? _statePath;
    private readonly PromQLEngine _engine = new();
    private readonly IInsightEngine[] _engines = [new TrendEngine(), new BottleneckEngine(), new AnomalyEngine(), new CapacityEngine()];
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _evaluating = new(1, 1);
    private Task? _loop;
    private long _lastSaveMs;
    private long _lastInsightsMs = long.MinValue;

    /// <summary>Creates the service; <paramref name="self"/> holds the server's <c>job</c> and <c>instance</c>.</summary>
    public AnalysisService(AnalysisConfig config, IStorage storage, string? dataDirectory, LabelSet self, ILoggerFactory loggers, TimeProvider? clock = null)
    {
        _config = config ?? throw new ArgumentNullException(nameof(config));
        _storage = storage ?? throw new ArgumentNullException(nameof(storage));
        _self = self;
        _logger = loggers.CreateLogger<AnalysisService>();
        _clock = clock ?? TimeProvider.System;
        Scorer = new AnomalyScorer(config, storage, self, _clock.GetUtcNow().ToUnixTimeMilliseconds(), loggers.CreateLogger<AnomalyScorer>());
        Store = new InsightStore(dataDirectory, config.Insights.HistoryLimit, loggers.CreateLogger<InsightStore>(), _clock, config.Insights.Retention);
        if (dataDirectory is not null)
        {
            _statePath = Path.Combine(dataDirectory, ScorerStateFile.DirectoryName, ScorerStateFile.FileName);
            int restored = Scorer.Load(_statePath);
            if (restored > 0)
            {
                _logger.LogInformation("Analysis: detector state of {Count} series restored from {Path}", restored, _statePath);
            }
        }
    }

    /// <summary>
    /// The optimizer's measured history of actions, which the host fills when it runs an optimizer: recommendations take
    /// their impact and cost from it where it has measured the action, and stay marked <c>prior</c> otherwise.
    /// </summary>
    public IActionHistory ActionHistory { get; set; } = NoActionHistory.Instance;

    /// <summary>The configuration in force.</summary>
    public AnalysisConfig Config => _config;

    /// <summary>The insights.</summary>
    internal InsightStore Store { get; }

    /// <summary>The anomaly scorer.</summary>
    internal AnomalyScorer Scorer { get; }

    /// <summary>Starts the loop: the first evaluation after one interval.</summary>
    public void Start()
    {
        _lastSaveMs = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        _loop = Task.Run(LoopAsync);
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(_config.EvaluationInterval, _clock);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    await RunOnceAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogError(e, "Analysis: evaluation failed");
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Scores the samples that arrived since the last evaluation now (benchmarks and tests); returns the points scored.</summary>
    public async Task<int> ScoreAsync(CancellationToken ct = default)
    {
        await _evaluating.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return Scorer.Evaluate(_clock.GetUtcNow().ToUnixTimeMilliseconds());
        }
        finally
        {
            _evaluating.Release();
        }
    }

    /// <summary>Runs the insight engines now (benchmarks and tests); returns the number of active insights.</summary>
    public async Task<int> AnalyzeAsync(CancellationToken ct = default)
    {
        await _evaluating.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            RunEngines(_clock.GetUtcNow().ToUnixTimeMilliseconds(), ct);
            return Store.Active().Count;
        }
        finally
        {
            _evaluating.Release();
        }
    }

    /// <summary>The number of series with a detector.</summary>
    public int ScoredSeries => Scorer.SeriesCount;

    /// <summary>Every insight, active first (as <c>/api/v1/insights</c> lists them).</summary>
    public IReadOnlyList<PerformanceInsight> Insights() => Store.All();

    /// <summary>Writes the detector state to the data directory now (also done on its interval and at stop); returns the file or null without a data directory.</summary>
    public string? SaveStateNow()
    {
        if (_statePath is null)
        {
            return null;
        }
        _evaluating.Wait();
        try
        {
            SaveState();
            return _statePath;
        }
        finally
        {
            _evaluating.Release();
        }
    }

    /// <summary>One evaluation now: scoring, then the engines when their interval has passed (or <paramref name="insights"/> forces them).</summary>
    internal async Task RunOnceAsync(CancellationToken ct = default, bool insights = false)
    {
        await _evaluating.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            long now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
            long start = Stopwatch.GetTimestamp();
            int points = Scorer.Evaluate(now);
            _logger.LogDebug("Analysis: {Points} points of {Series} series scored in {Elapsed} ms", points, Scorer.SeriesCount, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (_config.Insights.Enabled && (insights || _lastInsightsMs == long.MinValue || now - _lastInsightsMs >= (long)_config.Insights.Interval.TotalMilliseconds))
            {
                _lastInsightsMs = now;
                RunEngines(now, ct);
            }
            if (_statePath is not null && now - _lastSaveMs >= (long)_config.StateSaveInterval.TotalMilliseconds)
            {
                _lastSaveMs = now;
                SaveState();
            }
        }
        finally
        {
            _evaluating.Release();
        }
    }

    private void RunEngines(long now, CancellationToken ct)
    {
        var context = new InsightContext(_storage, _engine, now, _config.Insights, Scorer.Snapshot(), Scorer.Rates, _logger, ct);
        foreach (var engine in _engines)
        {
            IReadOnlyList<Finding> findings;
            try
            {
                findings = engine.Run(context);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogWarning(e, "Insights: the {Engine} engine failed; its insights stay as they are", engine.Name);
                continue;
            }
            var history = ActionHistory;
            Store.Apply(engine.Name, findings
                .Where(f => f.Confidence >= _config.Insights.MinConfidence)
                .Select(f => f with { Recommendations = f.Recommendations.Select(r => r.WithHistory(history)).ToList() })
                .ToList());
        }
        WriteActiveCounts(now);
    }

    private void WriteActiveCounts(long now)
    {
        var counts = new Dictionary<(InsightType, InsightSeverity), int>();
        foreach (var i in Store.Active())
        {
            counts[(i.Type, i.Severity)] = counts.GetValueOrDefault((i.Type, i.Severity)) + 1;
        }
        var appender = _storage.Appender();
        var b = new LabelSetBuilder(_self).Set(LabelSet.MetricName, "vigil_insights_active");
        foreach (var type in Enum.GetValues<InsightType>())
        {
            foreach (var severity in Enum.GetValues<InsightSeverity>())
            {
                var none = SeriesRef.None;
                appender.TryAppend(ref none, b.Set("type", type.ToString()).Set("severity", severity.ToString()).Build(), now,
                    counts.GetValueOrDefault((type, severity)), out _);
            }
        }
        appender.Commit();
    }

    private void SaveState()
    {
        try
        {
            Scorer.Save(_statePath!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Analysis: cannot save detector state to {Path}: {Error}", _statePath, e.Message);
        }
    }

    /// <summary>Stops the loop (waiting for a running evaluation) and saves the detector state.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
        await _evaluating.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_statePath is not null)
            {
                SaveState();
            }
        }
        finally
        {
            _evaluating.Release();
        }
        _stop.Dispose();
    }
}
