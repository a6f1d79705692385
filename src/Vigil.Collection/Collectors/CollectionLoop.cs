using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;

namespace Vigil.Collection.Collectors;

/// <summary>
/// Runs the collectors on an interval: every collection of every collector shares one timestamp, each collector gets
/// its own appender that is committed (or rolled back when the collector throws), target labels <c>job</c> and
/// <c>instance</c> are added, and series that disappear get a staleness marker, as Prometheus's scrape loop does.
/// </summary>
/// <remarks>Thread-safe: <see cref="CollectOnce"/> may be called while the loop runs; collections never overlap.</remarks>
internal sealed class CollectionLoop : IAsyncDisposable
{
    private static readonly TimeSpan RefusalLogInterval = TimeSpan.FromMinutes(1);

    private readonly IAppendable _storage;
    private readonly CollectorRun[] _runs;
    private TimeSpan _interval;
    private PeriodicTimer? _timer;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly CollectorInstruments _instruments;
    private readonly object _collectLock = new();
    private readonly TaskCompletionSource _firstCollection = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _cts;
    private Task? _loop;

    public CollectionLoop(IAppendable storage, IReadOnlyList<ICollector> collectors, TimeSpan interval, LabelSet targetLabels,
        CollectorInstruments instruments, ILogger logger, TimeProvider? clock = null)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "the collection interval must be positive");
        }
        _storage = storage;
        _interval = interval;
        _clock = clock ?? TimeProvider.System;
        _logger = logger;
        _instruments = instruments;
        _runs = new CollectorRun[collectors.Count];
        for (int i = 0; i < _runs.Length; i++)
        {
            _runs[i] = new CollectorRun(collectors[i], targetLabels, this);
        }
    }

    /// <summary>The collection interval; setting it takes effect from the next tick (the <c>config</c> optimization executor changes it).</summary>
    public TimeSpan Interval
    {
        get
        {
            lock (_collectLock)
            {
                return _interval;
            }
        }
        set
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "the collection interval must be positive");
            }
            lock (_collectLock)
            {
                _interval = value;
                if (_timer is not null)
                {
                    _timer.Period = value;
                }
            }
        }
    }

    /// <summary>Completes when the first collection (successful or not) has finished.</summary>
    public Task FirstCollection => _firstCollection.Task;

    /// <summary>Starts collecting now and then every interval.</summary>
    public void Start()
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("the collection loop is already started");
        }
        _cts = new CancellationTokenSource();
        var ct = _cts.Token;
        _loop = Task.Run(() => RunAsync(ct), CancellationToken.None);
    }

    /// <summary>Stops the loop and waits for a running collection to finish.</summary>
    public async Task StopAsync()
    {
        if (_cts is null || _loop is null)
        {
            return;
        }
        await _cts.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _cts?.Dispose();
    }

    /// <summary>Runs one collection of every collector at the current time.</summary>
    public void CollectOnce()
    {
        lock (_collectLock)
        {
            long ts = Timestamp.Now(_clock);
            foreach (var run in _runs)
            {
                run.Collect(ts);
            }
            _firstCollection.TrySetResult();
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Interval, _clock);
        lock (_collectLock)
        {
            _timer = timer;
            timer.Period = _interval;
        }
        try
        {
            do
            {
                CollectOnce();
            }
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopping
        }
        finally
        {
            lock (_collectLock)
            {
                _timer = null;
            }
        }
    }

    /// <summary>A series the collector produced: its full labels, storage reference and when it was last seen.</summary>
    private sealed class Entry(LabelSet final)
    {
        public LabelSet Final { get; } = final;

        public SeriesRef Ref;

        public long SeenIn;

        /// <summary>True when the series' latest committed sample is a real value (so it needs a staleness marker when it disappears).</summary>
        public bool Live;
    }

    /// <summary>The per-collector state and the appender wrapper the collector writes through.</summary>
    private sealed class CollectorRun(ICollector collector, LabelSet targetLabels, CollectionLoop loop) : IAppender
    {
        private readonly Dictionary<LabelSet, Entry> _cache = new();
        private readonly Dictionary<AppendError, (int Count, string First)> _refused = new();
        private readonly KeyValuePair<string, object?> _collectorTag = new("collector", collector.Name);
        private IAppender? _inner;
        private long _id;
        private long _timestamp;
        private int _appended;
        private DateTimeOffset _lastRefusalLog = DateTimeOffset.MinValue;
        private bool _lastFailed;

        public void Collect(long ts)
        {
            _id++;
            _timestamp = ts;
            _appended = 0;
            _refused.Clear();
            long start = Stopwatch.GetTimestamp();
            IAppender? inner = null;
            try
            {
                inner = loop._storage.Appender();
                _inner = inner;
                collector.Collect(this, ts);
                foreach (var e in _cache.Values)
                {
                    if (e.Live && e.SeenIn != _id)
                    {
                        inner.TryAppend(ref e.Ref, e.Final, ts, StaleMarker.StaleNaN, out _);
                    }
                }
                inner.Commit();
            }
            catch (Exception ex)
            {
                try
                {
                    inner?.Rollback();
                }
                catch (Exception rollbackError)
                {
                    loop._logger.LogDebug(rollbackError, "Rollback after a failed collection of {Collector} failed", collector.Name);
                }
                loop._instruments.Collections.Add(1, _collectorTag, new("result", "failure"));
                if (!_lastFailed)
                {
                    loop._logger.LogError(ex, "Collection of {Collector} failed; its samples of this interval are discarded", collector.Name);
                }
                _lastFailed = true;
                return;
            }
            finally
            {
                _inner = null;
                loop._instruments.CollectionDuration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, _collectorTag);
            }
            if (_lastFailed)
            {
                loop._logger.LogInformation("Collection of {Collector} works again", collector.Name);
                _lastFailed = false;
            }
            var gone = new List<LabelSet>();
            foreach (var (key, e) in _cache)
            {
                e.Live = e.SeenIn == _id;
                if (!e.Live)
                {
                    gone.Add(key);
                }
            }
            foreach (var key in gone)
            {
                _cache.Remove(key);
            }
            loop._instruments.Collections.Add(1, _collectorTag, new("result", "success"));
            loop._instruments.SamplesAppended.Add(_appended, _collectorTag);
            ReportRefusals();
        }

        public bool TryAppend(ref SeriesRef seriesRef, LabelSet labels, long timestampMs, double value, out AppendError error)
        {
            var inner = _inner ?? throw new InvalidOperationException("collectors may append only during Collect");
            if (!_cache.TryGetValue(labels, out var e))
            {
                e = new Entry(WithTarget(labels));
                _cache.Add(labels, e);
            }
            e.SeenIn = _id;
            if (inner.TryAppend(ref e.Ref, e.Final, timestampMs, value, out error))
            {
                _appended++;
                seriesRef = e.Ref;
                return true;
            }
            if (_refused.TryGetValue(error, out var r))
            {
                _refused[error] = (r.Count + 1, r.First);
            }
            else
            {
                _refused[error] = (1, StorageException.ForAppend(error, e.Final, timestampMs).Message);
            }
            return false;
        }

        public void Commit() => throw new InvalidOperationException("the collection loop commits collector appends");

        public void Rollback() => throw new InvalidOperationException("the collection loop rolls back collector appends");

        private LabelSet WithTarget(LabelSet labels)
        {
            var b = new LabelSetBuilder(labels);
            foreach (var target in targetLabels.AsSpan())
            {
                string existing = labels.Get(target.Name);
                if (existing.Length != 0 && existing != target.Value)
                {
                    // Note: like Prometheus with honor_labels: false, a clashing label is kept as exported_<name>.
                    b.Set("exported_" + target.Name, existing);
                }
                b.Set(target.Name, target.Value);
            }
            return b.Build();
        }

        private void ReportRefusals()
        {
            if (_refused.Count == 0)
            {
                return;
            }
            int total = 0;
            foreach (var (reason, (count, _)) in _refused)
            {
                total += count;
                loop._instruments.SamplesRefused.Add(count, _collectorTag, new("reason", reason.ToString()));
            }
            var now = loop._clock.GetUtcNow();
            if (now - _lastRefusalLog >= RefusalLogInterval)
            {
                _lastRefusalLog = now;
                string first = _refused.Values.First().First;
                loop._logger.LogWarning("Storage refused {Count} samples of collector {Collector} at {Timestamp} (first: {First})",
                    total, collector.Name, _timestamp, first);
            }
        }
    }
}
