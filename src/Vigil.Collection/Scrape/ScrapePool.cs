using Microsoft.Extensions.Logging;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Collection.Discovery;

namespace Vigil.Collection.Scrape;

/// <summary>
/// The targets of one job: collects target groups from static and file discovery, turns them into targets with the
/// job's relabelling, and runs one <see cref="ScrapeLoop"/> per distinct target — starting loops for new targets and
/// stopping (with staleness markers) the loops of targets that went away.
/// </summary>
/// <remarks>Thread-safe: discovery updates, API reads and stop may happen concurrently; syncs are serialized.</remarks>
internal sealed class ScrapePool : IAsyncDisposable
{
    private readonly ScrapeConfig _config;
    private readonly IAppendable _storage;
    private readonly TargetGroupFileReader _readTargetFile;
    private readonly ScrapeInstruments _instruments;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _clock;
    private readonly TargetScraper _scraper;
    private readonly List<FileSdProvider> _fileSd = new();
    private readonly SemaphoreSlim _syncLock = new(1, 1);
    private readonly object _stateLock = new();
    private Dictionary<ulong, ScrapeLoop> _loops = new();
    private List<LabelSet> _dropped = new();
    private bool _stopped;
    private bool _started;

    public ScrapePool(ScrapeConfig config, IAppendable storage, TargetGroupFileReader readTargetFile, ScrapeInstruments instruments, ILoggerFactory loggers, TimeProvider clock)
    {
        _config = config;
        _storage = storage;
        _readTargetFile = readTargetFile;
        _instruments = instruments;
        _loggers = loggers;
        _logger = loggers.CreateLogger("Vigil.Scrape");
        _clock = clock;
        _scraper = new TargetScraper(config);
    }

    public ScrapeConfig Config => _config;

    public string JobName => _config.JobName;

    /// <summary>The active targets, sorted by URL.</summary>
    public List<ScrapeTarget> ActiveTargets()
    {
        lock (_stateLock)
        {
            var list = _loops.Values.Select(l => l.Target).ToList();
            list.Sort(static (a, b) => string.CompareOrdinal(a.Url, b.Url));
            return list;
        }
    }

    /// <summary>The discovered labels of targets relabelling dropped (or that were invalid).</summary>
    public List<LabelSet> DroppedTargets()
    {
        lock (_stateLock)
        {
            return [.. _dropped];
        }
    }

    /// <summary>Reads discovery sources, starts the loops of the initial targets and watches file_sd files.</summary>
    public async Task StartAsync()
    {
        foreach (var sd in _config.FileSdConfigs)
        {
            var provider = new FileSdProvider(sd, _readTargetFile, _logger, _ => _instruments.FileSdReadErrors.Add(1, new KeyValuePair<string, object?>("scrape_job", _config.JobName)));
            provider.Changed += OnDiscoveryChanged;
            _fileSd.Add(provider);
        }
        foreach (var provider in _fileSd)
        {
            provider.Start();
        }
        _started = true;
        await SyncAsync().ConfigureAwait(false);
    }

    /// <summary>Stops every loop; with <paramref name="markStale"/> their series get staleness markers (the job was removed).</summary>
    public async Task StopAsync(bool markStale)
    {
        foreach (var provider in _fileSd)
        {
            provider.Dispose();
        }
        await _syncLock.WaitAsync().ConfigureAwait(false);
        try
        {
            Dictionary<ulong, ScrapeLoop> loops;
            lock (_stateLock)
            {
                _stopped = true;
                loops = _loops;
                _loops = new();
            }
            await Task.WhenAll(loops.Values.Select(l => l.StopAsync(markStale))).ConfigureAwait(false);
            foreach (var l in loops.Values)
            {
                await l.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _syncLock.Release();
        }
        _scraper.Dispose();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync(markStale: false).ConfigureAwait(false);

    /// <summary>Scrapes every active target once, now (for tests and <c>vigil</c> tooling).</summary>
    public Task ScrapeAllNowAsync(CancellationToken ct)
    {
        List<ScrapeLoop> loops;
        lock (_stateLock)
        {
            loops = [.. _loops.Values];
        }
        return Task.WhenAll(loops.Select(l => l.ScrapeOnceAsync(ct)));
    }

    /// <summary>Re-reads the file_sd files now and applies the result (tests use this instead of waiting for a notification).</summary>
    public Task RefreshDiscoveryAsync()
    {
        foreach (var provider in _fileSd)
        {
            provider.Refresh(raise: false);
        }
        return SyncAsync();
    }

    private void OnDiscoveryChanged(IReadOnlyList<TargetGroup> groups) => _ = SyncInBackgroundAsync();

    private async Task SyncInBackgroundAsync()
    {
        try
        {
            await SyncAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogError(e, "Updating the targets of job {Job} failed", _config.JobName);
        }
    }

    /// <summary>Recomputes the targets from all groups and starts or stops loops to match.</summary>
    public async Task SyncAsync()
    {
        await _syncLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_stopped || !_started)
            {
                return;
            }
            var groups = new List<TargetGroup>(_config.StaticConfigs);
            foreach (var provider in _fileSd)
            {
                groups.AddRange(provider.Current);
            }
            var active = new Dictionary<ulong, ScrapeTarget>();
            var dropped = new List<LabelSet>();
            var b = new LabelSetBuilder();
            foreach (var group in groups)
            {
                foreach (var discovered in TargetPopulation.Merge(group))
                {
                    var result = TargetPopulation.Populate(discovered, _config, b);
                    if (result.Error is not null)
                    {
                        _logger.LogWarning("Target {Target} of job {Job} (from {Source}) is invalid: {Error}",
                            discovered.Get(TargetLabelNames.Address), _config.JobName, group.Source, result.Error);
                    }
                    if (result.Labels is null)
                    {
                        dropped.Add(result.Discovered);
                        continue;
                    }
                    var target = new ScrapeTarget(_config.JobName, result.Labels, result.Discovered, _config.Params);
                    active.TryAdd(target.Hash, target);
                }
            }
            var toStop = new List<ScrapeLoop>();
            var toStart = new List<ScrapeLoop>();
            lock (_stateLock)
            {
                var loops = new Dictionary<ulong, ScrapeLoop>(active.Count);
                foreach (var (hash, target) in active)
                {
                    if (_loops.TryGetValue(hash, out var existing))
                    {
                        existing.Target.SetDiscoveredLabels(target.DiscoveredLabels);
                        loops[hash] = existing;
                    }
                    else
                    {
                        var loop = new ScrapeLoop(target, _config, _scraper, _storage, _instruments, _loggers.CreateLogger<ScrapeLoop>(), _clock);
                        loops[hash] = loop;
                        toStart.Add(loop);
                    }
                }
                foreach (var (hash, loop) in _loops)
                {
                    if (!loops.ContainsKey(hash))
                    {
                        toStop.Add(loop);
                    }
                }
                _loops = loops;
                _dropped = dropped;
            }
            foreach (var loop in toStart)
            {
                loop.Start();
            }
            if (toStop.Count > 0 || toStart.Count > 0)
            {
                _logger.LogInformation("Job {Job}: {Active} targets ({Started} new, {Stopped} gone), {Dropped} dropped by relabelling",
                    _config.JobName, active.Count, toStart.Count, toStop.Count, dropped.Count);
            }
            await Task.WhenAll(toStop.Select(l => l.StopAsync(markStale: true))).ConfigureAwait(false);
            foreach (var loop in toStop)
            {
                await loop.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _syncLock.Release();
        }
    }
}
