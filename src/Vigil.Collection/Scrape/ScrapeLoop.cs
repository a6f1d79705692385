// Note: over 600 lines on purpose: one target's scrape cycle (timing, parse cache, limits, staleness, report series) shares the loop's per-target state.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.Collection.Relabel;

namespace Vigil.Collection.Scrape;

/// <summary>
/// Scrapes one target every interval at a fixed phase (a hash of the target), parses the payload with a per-target cache
/// of series, appends samples plus the report series (<c>up</c>, <c>scrape_duration_seconds</c>, ...) in one batch, and
/// writes staleness markers for series that disappear, for all series when a scrape fails, and when the target goes away.
/// </summary>
/// <remarks>
/// In the steady state (every series already in the cache) a scrape allocates nothing per sample: the raw series bytes
/// find the final label set and series reference in a <see cref="SeriesByteMap{TValue}"/>. Scrapes of one loop never
/// overlap (<see cref="ScrapeOnceAsync"/> may be called while the loop runs). Semantics follow Prometheus's
/// <c>scrapeLoop</c>: a failed scrape (HTTP, parse, sample or label limit) stores nothing but staleness markers and
/// <c>up 0</c>.
/// </remarks>
internal sealed class ScrapeLoop : IAsyncDisposable
{
    private const int ReportUp = 0;
    private const int ReportDuration = 1;
    private const int ReportScraped = 2;
    private const int ReportPostRelabel = 3;
    private const int ReportSeriesAdded = 4;

    private static readonly string[] ReportNames =
        ["up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling", "scrape_series_added"];

    private readonly ScrapeTarget _target;
    private readonly ScrapeConfig _config;
    private readonly TargetScraper _scraper;
    private readonly IAppendable _storage;
    private readonly ScrapeInstruments _instruments;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _scrapeLock = new(1, 1);
    private readonly SeriesByteMap<CacheEntry> _cache = new();
    private readonly SeriesByteMap<MetadataEntry> _metadata = new();
    private readonly LabelSetBuilder _builder = new();
    private readonly LabelSet[] _reportLabels = new LabelSet[ReportNames.Length];
    private readonly SeriesRef[] _reportRefs = new SeriesRef[ReportNames.Length];
    private readonly KeyValuePair<string, object?> _jobTag;
    private List<CacheEntry> _live = new();
    private List<CacheEntry> _current = new();
    private ExpositionParser? _parser;
    private long _iter;
    private long _lastTimestamp = long.MinValue;
    private int _sizeHint;
    private int _successfulCacheCount;
    private int _seenThisIter;
    private bool _metadataChanged;
    private string? _lastLoggedError;
    private CancellationTokenSource? _cts;
    private Task? _run;

    public ScrapeLoop(ScrapeTarget target, ScrapeConfig config, TargetScraper scraper, IAppendable storage, ScrapeInstruments instruments,
        ILogger logger, TimeProvider clock)
    {
        _target = target;
        _config = config;
        _scraper = scraper;
        _storage = storage;
        _instruments = instruments;
        _logger = logger;
        _clock = clock;
        _jobTag = new("scrape_job", config.JobName);
        for (int i = 0; i < ReportNames.Length; i++)
        {
            _reportLabels[i] = new LabelSetBuilder(target.PublicLabels).Set(LabelSet.MetricName, ReportNames[i]).Build();
        }
    }

    public ScrapeTarget Target => _target;

    /// <summary>Starts scraping at the target's phase within the interval.</summary>
    public void Start()
    {
        if (_run is not null)
        {
            throw new InvalidOperationException("the scrape loop is already running");
        }
        _cts = new CancellationTokenSource();
        var ct = _cts.Token;
        _run = Task.Run(() => RunAsync(ct), CancellationToken.None);
    }

    /// <summary>
    /// Stops the loop, waiting for a scrape in progress to be cancelled. With <paramref name="markStale"/> (the target went
    /// away), writes staleness markers for its series and report series, as Prometheus does at the end of a loop.
    /// </summary>
    public async Task StopAsync(bool markStale)
    {
        if (_cts is not null)
        {
            await _cts.CancelAsync().ConfigureAwait(false);
        }
        if (_run is not null)
        {
            await _run.ConfigureAwait(false);
        }
        if (markStale)
        {
            await _scrapeLock.WaitAsync().ConfigureAwait(false);
            try
            {
                WriteEndOfRunStaleness();
            }
            finally
            {
                _scrapeLock.Release();
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync(markStale: false).ConfigureAwait(false);
        _cts?.Dispose();
    }

    /// <summary>The next time (Unix ms, at or after <paramref name="nowMs"/>) whose offset within the interval is the target's phase.</summary>
    internal static long FirstTick(long nowMs, long intervalMs, ulong hash)
    {
        long phase = (long)(hash % (ulong)intervalMs);
        long tick = nowMs - (((nowMs % intervalMs) + intervalMs) % intervalMs) + phase;
        return tick < nowMs ? tick + intervalMs : tick;
    }

    private async Task RunAsync(CancellationToken ct)
    {
        long intervalMs = Math.Max(1, (long)_target.ScrapeInterval.TotalMilliseconds);
        long next = FirstTick(Timestamp.Now(_clock), intervalMs, _target.Hash);
        while (!ct.IsCancellationRequested)
        {
            long wait = next - Timestamp.Now(_clock);
            try
            {
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(wait), _clock, ct).ConfigureAwait(false);
                }
                await ScrapeOnceAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Note: a bug in one loop must not end it or touch other targets; it is logged and the next tick retries.
                _logger.LogError(e, "Scrape loop of {Url} failed unexpectedly", _target.Url);
            }
            long now = Timestamp.Now(_clock);
            next += intervalMs;
            if (next <= now)
            {
                next += ((now - next) / intervalMs + 1) * intervalMs;
            }
        }
    }

    /// <summary>Scrapes once now (waiting for a scrape in progress to finish first).</summary>
    public async Task ScrapeOnceAsync(CancellationToken ct)
    {
        await _scrapeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var start = _clock.GetUtcNow();
            long ts = Math.Max(start.ToUnixTimeMilliseconds(), _lastTimestamp == long.MinValue ? long.MinValue : _lastTimestamp + 1);
            long startTicks = Stopwatch.GetTimestamp();
            ScrapeBody body = default;
            string? error = null;
            try
            {
                body = await _scraper.ScrapeAsync(_target, _target.ScrapeTimeout, _sizeHint, ct).ConfigureAwait(false);
                _sizeHint = body.Length + body.Length / 8;
            }
            catch (ScrapeException e)
            {
                error = e.Message;
            }
            try
            {
                AppendScrape(body, ts, error, start, startTicks);
            }
            finally
            {
                if (body.Buffer is not null)
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(body.Buffer);
                }
            }
        }
        finally
        {
            _scrapeLock.Release();
        }
    }

    internal void AppendScrape(ScrapeBody body, long ts, string? error, DateTimeOffset start, long startTicks)
    {
        _iter++;
        _seenThisIter = 0;
        int total = 0, added = 0, seriesAdded = 0;
        IAppender app = _storage.Appender();
        try
        {
            if (error is null)
            {
                error = ParseAndAppend(app, body, ts, ref total, ref added, ref seriesAdded);
            }
            if (error is null)
            {
                AppendStaleMarkers(app, ts, onlyGone: true);
                (_live, _current) = (_current, _live);
                _current.Clear();
                Prune();
                _successfulCacheCount = _cache.Count;
            }
            else
            {
                // Note: like Prometheus, a failed scrape stores none of its samples; it is an empty scrape, so every
                // series of the last successful one goes stale.
                app.Rollback();
                app = _storage.Appender();
                AppendStaleMarkers(app, ts, onlyGone: false);
                _live.Clear();
                _current.Clear();
                if (_cache.Count > _successfulCacheCount * 2 + 1000)
                {
                    Prune();
                }
            }
            var duration = Stopwatch.GetElapsedTime(startTicks);
            AppendReport(app, ts, error is null ? 1 : 0, duration.TotalSeconds, total, added, seriesAdded);
            app.Commit();
            _lastTimestamp = ts;
            _target.Report(start, duration, error);
            if (_metadataChanged && error is null)
            {
                PublishMetadata();
            }
            _instruments.Scrapes.Add(1, _jobTag, new("result", error is null ? "success" : "failure"));
            LogOutcome(error);
        }
        catch (StorageException e)
        {
            try
            {
                app.Rollback();
            }
            catch (Exception rollbackError) when (rollbackError is StorageException or InvalidOperationException)
            {
                _logger.LogDebug(rollbackError, "Rollback after a failed commit of {Url} failed", _target.Url);
            }
            _live.Clear();
            _current.Clear();
            _target.Report(start, Stopwatch.GetElapsedTime(startTicks), "storage: " + e.Message);
            _instruments.Scrapes.Add(1, _jobTag, new("result", "failure"));
            LogOutcome("storage: " + e.Message);
        }
        catch (Exception)
        {
            // Note: an abandoned appender would keep its series' pending state; end the batch before the error moves on.
            try
            {
                app.Rollback();
            }
            catch (Exception rollbackError) when (rollbackError is StorageException or InvalidOperationException)
            {
                _logger.LogDebug(rollbackError, "Rollback after an unexpected failure of {Url} failed", _target.Url);
            }
            _live.Clear();
            _current.Clear();
            throw;
        }
    }

    /// <summary>Parses the payload and appends its samples; returns the reason the scrape fails, or null.</summary>
    private string? ParseAndAppend(IAppender app, ScrapeBody body, long ts, ref int total, ref int added, ref int seriesAdded)
    {
        var payload = new ReadOnlyMemory<byte>(body.Buffer, 0, body.Length);
        var format = ExpositionFormat.FromContentType(body.ContentType);
        var p = _parser;
        if (p is null)
        {
            p = _parser = new ExpositionParser(payload, format);
        }
        else
        {
            p.Reset(payload, format);
        }
        long sampleLimit = _config.SampleLimit;
        bool honorTimestamps = _config.HonorTimestamps;
        bool trackExplicit = _config.TrackTimestampsStaleness || !honorTimestamps;
        bool limitExceeded = false;
        long iter = _iter;
        try
        {
            ExpositionEntry entry;
            while ((entry = p.Next()) != ExpositionEntry.EndOfInput)
            {
                if (entry != ExpositionEntry.Series)
                {
                    UpdateMetadata(p, entry);
                    continue;
                }
                total++;
                bool isNew = false;
                if (!_cache.TryGetValue(p.SeriesBytes, out var e))
                {
                    var final = MutateSampleLabels(p.BuildLabelSet());
                    if (final is not null && CheckSeries(final) is { } problem)
                    {
                        return problem;
                    }
                    e = new CacheEntry(final);
                    _cache.Set(p.SeriesBytes, e);
                    isNew = true;
                }
                if (e.LastIter != iter)
                {
                    e.LastIter = iter;
                    _seenThisIter++;
                }
                if (e.Labels is null)
                {
                    continue;
                }
                added++;
                if (sampleLimit > 0 && added > sampleLimit)
                {
                    // Note: parsing goes on so that scrape_samples_scraped reports the real size of the payload.
                    limitExceeded = true;
                    continue;
                }
                if (limitExceeded)
                {
                    continue;
                }
                long? explicitTs = p.TimestampMs;
                long t = honorTimestamps && explicitTs.HasValue ? explicitTs.GetValueOrDefault() : ts;
                if (app.TryAppend(ref e.Ref, e.Labels, t, p.Value, out var appendError))
                {
                    if (isNew)
                    {
                        seriesAdded++;
                    }
                    if ((!explicitTs.HasValue || trackExplicit) && e.StaleIter != iter)
                    {
                        e.StaleIter = iter;
                        _current.Add(e);
                    }
                    continue;
                }
                switch (appendError)
                {
                    case AppendError.OutOfOrder or AppendError.DuplicateTimestamp or AppendError.TooOld or AppendError.TooFarInFuture or AppendError.InvalidTimestamp:
                        _instruments.SamplesRefused.Add(1, _jobTag, new("reason", appendError.ToString()));
                        break;
                    default:
                        return StorageException.ForAppend(appendError, e.Labels, t).Message;
                }
            }
        }
        catch (ExpositionParseException e)
        {
            return e.Message;
        }
        if (limitExceeded)
        {
            return string.Create(CultureInfo.InvariantCulture, $"sample limit exceeded ({added} samples after metric relabelling, sample_limit {sampleLimit})");
        }
        return null;
    }

    /// <summary>Adds the target labels (Prometheus's honor_labels rules) and applies metric relabelling; null when dropped.</summary>
    private LabelSet? MutateSampleLabels(LabelSet scraped)
    {
        var b = _builder.Reset(scraped);
        var targetLabels = _target.PublicLabels;
        if (_config.HonorLabels)
        {
            foreach (var l in targetLabels.AsSpan())
            {
                if (!scraped.Has(l.Name))
                {
                    b.Set(l.Name, l.Value);
                }
            }
        }
        else
        {
            List<Label>? conflicts = null;
            foreach (var l in targetLabels.AsSpan())
            {
                string exposed = scraped.Get(l.Name);
                if (exposed.Length != 0)
                {
                    (conflicts ??= new()).Add(new Label(l.Name, exposed));
                }
                b.Set(l.Name, l.Value);
            }
            if (conflicts is not null)
            {
                ResolveConflicts(b, scraped, targetLabels, conflicts);
            }
        }
        if (_config.MetricRelabelConfigs.Count > 0 && !Relabeler.Process(b, _config.MetricRelabelConfigs))
        {
            return null;
        }
        var result = b.Build();
        return result.Count == 0 ? null : result;
    }

    /// <summary>Keeps exposed values of clashing labels as <c>exported_NAME</c> (more prefixes until the name is free).</summary>
    private static void ResolveConflicts(LabelSetBuilder b, LabelSet scraped, LabelSet targetLabels, List<Label> conflicts)
    {
        var ordered = conflicts.OrderBy(c => c.Name.Length).ToList();
        for (int i = 0; i < ordered.Count; i++)
        {
            string name = ordered[i].Name;
            while (true)
            {
                name = TargetLabelNames.ExportedPrefix + name;
                bool taken = scraped.Has(name) || targetLabels.Has(name);
                for (int j = 0; j < i && !taken; j++)
                {
                    taken = ordered[j].Name == name;
                }
                if (!taken)
                {
                    ordered[i] = new Label(name, ordered[i].Value);
                    break;
                }
            }
        }
        foreach (var c in ordered)
        {
            b.Set(c.Name, c.Value);
        }
    }

    /// <summary>Validates a new series: metric name, label names, and the job's label limits. Returns the failure or null.</summary>
    private string? CheckSeries(LabelSet labels)
    {
        string metric = labels.Name;
        if (metric.Length == 0)
        {
            return "missing metric name (__name__ label)";
        }
        if (LabelValidation.Validate(labels) is { } invalid)
        {
            return $"invalid metric name or label names: {invalid} in {labels}";
        }
        long labelLimit = _config.LabelLimit, nameLimit = _config.LabelNameLengthLimit, valueLimit = _config.LabelValueLengthLimit;
        if (labelLimit > 0 && labels.Count > labelLimit)
        {
            return string.Create(CultureInfo.InvariantCulture, $"label_limit exceeded (metric: {Truncate(metric)}, number of labels: {labels.Count}, limit: {labelLimit})");
        }
        if (nameLimit > 0 || valueLimit > 0)
        {
            foreach (var l in labels.AsSpan())
            {
                int nameLength = Encoding.UTF8.GetByteCount(l.Name);
                if (nameLimit > 0 && nameLength > nameLimit)
                {
                    return string.Create(CultureInfo.InvariantCulture,
                        $"label_name_length_limit exceeded (metric: {Truncate(metric)}, label name: {Truncate(l.Name)}, length: {nameLength}, limit: {nameLimit})");
                }
                int valueLength = Encoding.UTF8.GetByteCount(l.Value);
                if (valueLimit > 0 && valueLength > valueLimit)
                {
                    return string.Create(CultureInfo.InvariantCulture,
                        $"label_value_length_limit exceeded (metric: {Truncate(metric)}, label name: {Truncate(l.Name)}, value: \"{Truncate(l.Value)}\", length: {valueLength}, limit: {valueLimit})");
                }
            }
        }
        return null;
    }

    private static string Truncate(string s) => s.Length <= 50 ? s : s[..50];

    private void AppendStaleMarkers(IAppender app, long ts, bool onlyGone)
    {
        long iter = _iter;
        foreach (var e in _live)
        {
            if (onlyGone && e.StaleIter == iter)
            {
                continue;
            }
            // Note: refusals (out of order, duplicate) are expected when a target came back under a new loop; they are ignored.
            app.TryAppend(ref e.Ref, e.Labels!, ts, StaleMarker.StaleNaN, out _);
        }
    }

    private void AppendReport(IAppender app, long ts, double up, double durationSeconds, int total, int added, int seriesAdded)
    {
        AppendReportSample(app, ReportUp, ts, up);
        AppendReportSample(app, ReportDuration, ts, durationSeconds);
        AppendReportSample(app, ReportScraped, ts, total);
        AppendReportSample(app, ReportPostRelabel, ts, added);
        AppendReportSample(app, ReportSeriesAdded, ts, seriesAdded);
    }

    private void AppendReportSample(IAppender app, int index, long ts, double value)
    {
        if (!app.TryAppend(ref _reportRefs[index], _reportLabels[index], ts, value, out var error))
        {
            _instruments.SamplesRefused.Add(1, _jobTag, new("reason", error.ToString()));
        }
    }

    /// <summary>Drops cache entries not seen in this scrape (series churn, or several spellings of one series).</summary>
    private void Prune()
    {
        long iter = _iter;
        if (_cache.Count > _seenThisIter)
        {
            _cache.RemoveWhere(e => e.LastIter != iter);
        }
        if (_metadata.RemoveWhere(m => m.LastIter != iter) > 0)
        {
            _metadataChanged = true;
        }
    }

    private void UpdateMetadata(ExpositionParser p, ExpositionEntry entry)
    {
        if (entry is not (ExpositionEntry.Type or ExpositionEntry.Help or ExpositionEntry.Unit))
        {
            return;
        }
        ref var m = ref _metadata.GetValueRefOrAddDefault(p.MetricName, out bool exists);
        if (!exists)
        {
            m = new MetadataEntry(p.GetMetricName());
            _metadataChanged = true;
        }
        m.LastIter = _iter;
        switch (entry)
        {
            case ExpositionEntry.Type when m.Type != p.MetricType:
                m.Type = p.MetricType;
                _metadataChanged = true;
                break;
            case ExpositionEntry.Help when !p.Text.SequenceEqual(m.HelpUtf8):
                m.HelpUtf8 = p.Text.ToArray();
                m.Help = p.GetText();
                _metadataChanged = true;
                break;
            case ExpositionEntry.Unit when !p.Text.SequenceEqual(m.UnitUtf8):
                m.UnitUtf8 = p.Text.ToArray();
                m.Unit = p.GetText();
                _metadataChanged = true;
                break;
        }
    }

    private void PublishMetadata()
    {
        var list = new List<MetricMetadata>(_metadata.Count);
        foreach (var m in _metadata.Values)
        {
            list.Add(new MetricMetadata(m.Name, m.Type, m.Help, m.Unit));
        }
        list.Sort(static (a, b) => string.CompareOrdinal(a.Metric, b.Metric));
        _target.SetMetadata(list);
        _metadataChanged = false;
    }

    private void WriteEndOfRunStaleness()
    {
        if (_lastTimestamp == long.MinValue)
        {
            return;
        }
        long ts = Math.Max(Timestamp.Now(_clock), _lastTimestamp + 1);
        var app = _storage.Appender();
        try
        {
            foreach (var e in _live)
            {
                app.TryAppend(ref e.Ref, e.Labels!, ts, StaleMarker.StaleNaN, out _);
            }
            for (int i = 0; i < _reportLabels.Length; i++)
            {
                app.TryAppend(ref _reportRefs[i], _reportLabels[i], ts, StaleMarker.StaleNaN, out _);
            }
            app.Commit();
            _live.Clear();
        }
        catch (StorageException e)
        {
            _logger.LogWarning("Could not write staleness markers for the removed target {Url}: {Error}", _target.Url, e.Message);
            try
            {
                app.Rollback();
            }
            catch (Exception rollbackError) when (rollbackError is StorageException or InvalidOperationException)
            {
                _logger.LogDebug(rollbackError, "Rollback failed");
            }
        }
    }

    private void LogOutcome(string? error)
    {
        if (error == _lastLoggedError)
        {
            return;
        }
        if (error is null)
        {
            _logger.LogInformation("Target {Url} of job {Job} is up again", _target.Url, _config.JobName);
        }
        else
        {
            _logger.LogWarning("Scrape of {Url} (job {Job}) failed: {Error}", _target.Url, _config.JobName, error);
        }
        _lastLoggedError = error;
    }

    /// <summary>A series the target exposes: final labels (null when metric relabelling drops it), reference, and when it was last seen.</summary>
    private sealed class CacheEntry(LabelSet? labels)
    {
        public readonly LabelSet? Labels = labels;

        public SeriesRef Ref;

        /// <summary>The last scrape iteration the series appeared in.</summary>
        public long LastIter;

        /// <summary>The last iteration in which it was appended without an explicit timestamp (tracked for staleness).</summary>
        public long StaleIter;
    }

    private sealed class MetadataEntry(string name)
    {
        public readonly string Name = name;

        public MetricType Type;

        public string Help = string.Empty;

        public byte[] HelpUtf8 = [];

        public string Unit = string.Empty;

        public byte[] UnitUtf8 = [];

        public long LastIter;
    }
}
