using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Collection.Discovery;

namespace Vigil.Collection.Scrape;

/// <summary>
/// Runs the scrape pools of <c>scrape_configs</c>: one pool per job, each with its targets' loops, writing into the given
/// storage. <see cref="ApplyConfigAsync"/> can be called again with a new configuration: jobs whose settings did not
/// change keep running untouched (their series and staleness tracking continue), changed jobs restart, removed jobs stop
/// and mark their series stale.
/// </summary>
/// <remarks>Thread-safe. One target's failures (unreachable, slow, malformed, too large) never affect another's.</remarks>
public sealed class ScrapeManager : IAsyncDisposable
{
    private readonly IAppendable _storage;
    private readonly TargetGroupFileReader _readTargetFile;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly ScrapeInstruments _instruments;
    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private readonly object _poolsLock = new();
    private List<ScrapePool> _pools = new();
    private bool _stopped;

    /// <summary>Creates a manager with no jobs; nothing runs until <see cref="ApplyConfigAsync"/>.</summary>
    /// <param name="storage">Where scraped samples go.</param>
    /// <param name="readTargetFile">Reads the files of <c>file_sd_configs</c> (the host's configuration layer parses them).</param>
    /// <param name="loggers">Loggers; none by default.</param>
    /// <param name="clock">The clock; the system's by default.</param>
    public ScrapeManager(IAppendable storage, TargetGroupFileReader readTargetFile, ILoggerFactory? loggers = null, TimeProvider? clock = null)
    {
        _storage = storage ?? throw new ArgumentNullException(nameof(storage));
        _readTargetFile = readTargetFile ?? throw new ArgumentNullException(nameof(readTargetFile));
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger<ScrapeManager>();
        _clock = clock ?? TimeProvider.System;
        _instruments = new ScrapeInstruments(MeasureTargets);
    }

    /// <summary>The jobs currently running, in configuration order.</summary>
    public IReadOnlyList<string> Jobs
    {
        get
        {
            lock (_poolsLock)
            {
                return _pools.Select(p => p.JobName).ToList();
            }
        }
    }

    /// <summary>Starts, keeps, restarts or stops pools so that exactly <paramref name="jobs"/> run.</summary>
    public async Task ApplyConfigAsync(IReadOnlyList<ScrapeConfig> jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        await _applyLock.WaitAsync().ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            List<ScrapePool> old;
            lock (_poolsLock)
            {
                old = _pools;
            }
            var byName = old.ToDictionary(p => p.JobName, StringComparer.Ordinal);
            var next = new List<ScrapePool>(jobs.Count);
            var toStart = new List<ScrapePool>();
            foreach (var job in jobs)
            {
                if (byName.Remove(job.JobName, out var existing))
                {
                    if (existing.Config.Fingerprint.Length > 0 && existing.Config.Fingerprint == job.Fingerprint)
                    {
                        next.Add(existing);
                        continue;
                    }
                    // Note: a changed job restarts; its old loops end with staleness markers and the new ones start afresh.
                    await existing.StopAsync(markStale: true).ConfigureAwait(false);
                }
                var pool = new ScrapePool(job, _storage, _readTargetFile, _instruments, _loggers, _clock);
                next.Add(pool);
                toStart.Add(pool);
            }
            foreach (var removed in byName.Values)
            {
                await removed.StopAsync(markStale: true).ConfigureAwait(false);
            }
            lock (_poolsLock)
            {
                _pools = next;
            }
            foreach (var pool in toStart)
            {
                await pool.StartAsync().ConfigureAwait(false);
            }
            if (jobs.Count > 0 || old.Count > 0)
            {
                _logger.LogInformation("Scraping {Jobs} jobs ({Started} started, {Removed} stopped)", next.Count, toStart.Count, byName.Count);
            }
        }
        finally
        {
            _applyLock.Release();
        }
    }

    /// <summary>The active targets of every job (or of <paramref name="job"/>), by job then URL.</summary>
    public IReadOnlyList<ScrapeTarget> ActiveTargets(string? job = null)
    {
        var result = new List<ScrapeTarget>();
        foreach (var pool in Pools(job))
        {
            result.AddRange(pool.ActiveTargets());
        }
        return result;
    }

    /// <summary>The discovered labels of targets that relabelling dropped, with their job.</summary>
    public IReadOnlyList<(string Job, LabelSet DiscoveredLabels)> DroppedTargets(string? job = null)
    {
        var result = new List<(string, LabelSet)>();
        foreach (var pool in Pools(job))
        {
            foreach (var labels in pool.DroppedTargets())
            {
                result.Add((pool.JobName, labels));
            }
        }
        return result;
    }

    /// <summary>Scrapes every active target once, now, and waits for the results (for tests and tools).</summary>
    public Task ScrapeAllNowAsync(CancellationToken cancellationToken = default)
        => Task.WhenAll(Pools(null).Select(p => p.ScrapeAllNowAsync(cancellationToken)));

    /// <summary>Re-reads all file_sd files now and updates the targets.</summary>
    public Task RefreshDiscoveryAsync() => Task.WhenAll(Pools(null).Select(p => p.RefreshDiscoveryAsync()));

    /// <summary>Stops all jobs without staleness markers (the series resume when Vigil starts again).</summary>
    public async Task StopAsync()
    {
        await _applyLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_stopped)
            {
                return;
            }
            _stopped = true;
            List<ScrapePool> pools;
            lock (_poolsLock)
            {
                pools = _pools;
                _pools = new();
            }
            await Task.WhenAll(pools.Select(p => p.StopAsync(markStale: false))).ConfigureAwait(false);
            _instruments.Dispose();
        }
        finally
        {
            _applyLock.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private List<ScrapePool> Pools(string? job)
    {
        lock (_poolsLock)
        {
            return job is null ? [.. _pools] : _pools.Where(p => p.JobName == job).ToList();
        }
    }

    private IEnumerable<Measurement<long>> MeasureTargets()
    {
        foreach (var pool in Pools(null))
        {
            var jobTag = new KeyValuePair<string, object?>("scrape_job", pool.JobName);
            yield return new Measurement<long>(pool.ActiveTargets().Count, jobTag, new("state", "active"));
            yield return new Measurement<long>(pool.DroppedTargets().Count, jobTag, new("state", "dropped"));
        }
    }
}
