using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Tsdb.Head;
using Vigil.Tsdb.Wal;

namespace Vigil.Tsdb.Agent;

/// <summary>
/// The storage of <c>vigil agent</c> (Prometheus <c>tsdb/agent</c>): appended samples go to the write-ahead log only,
/// for the remote-write sender to read; nothing is kept in memory but each series' reference, labels and newest
/// timestamp, and nothing can be queried.
/// </summary>
/// <remarks>
/// Thread-safe. Per series the timestamps must increase (an older or equal timestamp is refused as out of order). Every
/// <see cref="AgentOptions.TruncateInterval"/> the segments every remote has sent (see <see cref="IWriteLog.Retain"/>)
/// are folded into a checkpoint of the live series and deleted. Dispose flushes and closes the WAL.
/// </remarks>
public sealed class AgentStorage : IStorage, IWriteLog, IDisposable
{
    private readonly ILogger _log;
    private readonly DirectoryLock _lock;
    private readonly WriteAheadLog _wal;
    private readonly WalWriteLog _writeLog;
    private readonly object _seriesLock = new();
    private readonly Dictionary<LabelSet, AgentSeries> _byLabels = [];
    private readonly Dictionary<ulong, AgentSeries> _byRef = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _truncation;
    private ulong _nextRef = 1;
    private int _disposed;

    private AgentStorage(AgentOptions options, ILogger log)
    {
        Options = options;
        _log = log;
        Directory.CreateDirectory(options.DataDir);
        _lock = DirectoryLock.Acquire(options.DataDir);
        try
        {
            string walDir = Path.Combine(options.DataDir, "wal");
            _wal = WriteAheadLog.Open(new WalOptions { Directory = walDir, Sync = options.WalSync, SegmentSize = options.WalSegmentSize },
                line => _log.LogWarning("{Message}", line));
            Replay(walDir);
            _writeLog = new WalWriteLog(_wal, log);
            StartTime = options.Clock.GetUtcNow().ToUnixTimeMilliseconds();
            _truncation = Task.Run(() => TruncateLoopAsync(_stop.Token));
        }
        catch
        {
            _wal?.Dispose();
            _lock.Dispose();
            throw;
        }
    }

    /// <summary>The options this instance was opened with.</summary>
    public AgentOptions Options { get; }

    /// <summary>The number of series known now.</summary>
    public int SeriesCount
    {
        get
        {
            lock (_seriesLock)
            {
                return _byRef.Count;
            }
        }
    }

    /// <inheritdoc />
    public long StartTime { get; }

    /// <inheritdoc />
    public int FirstSegment => _writeLog.FirstSegment;

    /// <inheritdoc />
    public int LastSegment => _writeLog.LastSegment;

    /// <summary>Opens (creating if needed) the agent's WAL in <see cref="AgentOptions.DataDir"/> and replays its series.</summary>
    public static AgentStorage Open(AgentOptions options, ILogger? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new AgentStorage(options, log ?? NullLogger.Instance);
    }

    /// <inheritdoc />
    public IAppender Appender()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return new AgentAppender(this);
    }

    /// <summary>An agent stores nothing to query: every querier is empty.</summary>
    public IQuerier Querier(long mint, long maxt) => new EmptyQuerier(mint, maxt);

    /// <inheritdoc />
    public long SegmentSize(int segment) => _writeLog.SegmentSize(segment);

    /// <inheritdoc />
    public void ReadCheckpointSeries(List<LoggedSeries> into) => _writeLog.ReadCheckpointSeries(into);

    /// <inheritdoc />
    public IWriteLogReader Open(WriteLogPosition from) => _writeLog.Open(from);

    /// <inheritdoc />
    public void Retain(string consumer, WriteLogRetention? retention) => _writeLog.Retain(consumer, retention);

    /// <summary>Checkpoints the live series and deletes the segments every remote has sent (what the background loop does).</summary>
    public void Truncate()
    {
        int last = _wal.NextSegment() - 1;
        var segments = SegmentFiles.List(_wal.Directory);
        last = _writeLog.TruncationLimit(last, segments);
        if (segments.Count == 0 || last < segments[0])
        {
            return;
        }
        long staleBefore = Options.Clock.GetUtcNow().ToUnixTimeMilliseconds() - (long)Options.StaleSeriesAfter.TotalMilliseconds;
        HashSet<ulong> keep;
        lock (_seriesLock)
        {
            keep = [];
            var stale = new List<AgentSeries>();
            foreach (var s in _byRef.Values)
            {
                if (Volatile.Read(ref s.LastT) >= staleBefore || s.LastT == long.MinValue)
                {
                    keep.Add(s.Ref);
                }
                else
                {
                    stale.Add(s);
                }
            }
            foreach (var s in stale)
            {
                _byRef.Remove(s.Ref);
                _byLabels.Remove(s.Labels);
            }
        }
        // Note: remotes read samples from segments, never from the checkpoint, so it keeps series only.
        _wal.CreateCheckpoint(segments[0], last, keep.Contains, long.MaxValue);
        _wal.Truncate(last + 1);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stop.Cancel();
        try
        {
            _truncation.Wait();
        }
        catch (AggregateException)
        {
            // Logged by the loop.
        }
        _stop.Dispose();
        _wal.Dispose();
        _lock.Dispose();
    }

    private async Task TruncateLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Options.TruncateInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    Truncate();
                }
                catch (Exception e) when (e is IOException or InvalidOperationException or WalCorruptionException or ArgumentOutOfRangeException)
                {
                    // Note: a failed truncation leaves the WAL longer, never shorter.
                    _log.LogError("Agent WAL truncation failed: {Error}", e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private void Replay(string walDir)
    {
        var decoder = new WalRecordDecoder();
        var series = new List<WalSeries>();
        var samples = new List<WalSample>();
        while (true)
        {
            using var reader = WalReader.OpenReplay(walDir);
            try
            {
                while (reader.Next())
                {
                    switch (WalRecords.GetRecordType(reader.Record))
                    {
                        case WalRecordType.Series:
                            series.Clear();
                            decoder.DecodeSeries(reader.Record, series);
                            foreach (var s in series)
                            {
                                var entry = new AgentSeries(s.Ref, s.Labels);
                                _byRef[s.Ref] = entry;
                                _byLabels[s.Labels] = entry;
                                _nextRef = Math.Max(_nextRef, s.Ref + 1);
                            }
                            break;
                        case WalRecordType.Samples:
                            samples.Clear();
                            decoder.DecodeSamples(reader.Record, samples);
                            foreach (var s in samples)
                            {
                                if (_byRef.TryGetValue(s.Ref, out var entry) && s.T > entry.LastT)
                                {
                                    entry.LastT = s.T;
                                }
                            }
                            break;
                    }
                }
                return;
            }
            catch (WalCorruptionException e) when (!e.InCheckpoint)
            {
                _log.LogWarning("Agent WAL damaged at {Position}: {Reason}; cutting it there", e.Position, e.Reason);
                _wal.Repair(e);
            }
        }
    }

    private AgentSeries GetOrCreate(LabelSet labels, out bool created)
    {
        lock (_seriesLock)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_byLabels, labels, out bool exists);
            created = !exists;
            if (!exists)
            {
                slot = new AgentSeries(_nextRef++, labels);
                _byRef[slot.Ref] = slot;
            }
            return slot!;
        }
    }

    private AgentSeries? ByRef(ulong reference)
    {
        lock (_seriesLock)
        {
            return _byRef.GetValueOrDefault(reference);
        }
    }

    private void Log(List<AgentSeries> newSeries, List<WalSample> samples)
    {
        var seriesBuffer = new ArrayBufferWriter<byte>(newSeries.Count == 0 ? 1 : 256 * newSeries.Count);
        var samplesBuffer = new ArrayBufferWriter<byte>(16 + (samples.Count * 20));
        if (newSeries.Count > 0)
        {
            var records = new WalSeries[newSeries.Count];
            for (int i = 0; i < records.Length; i++)
            {
                records[i] = new WalSeries(newSeries[i].Ref, newSeries[i].Labels);
            }
            WalRecords.EncodeSeries(records, seriesBuffer);
        }
        if (samples.Count > 0)
        {
            WalRecords.EncodeSamples(CollectionsMarshal.AsSpan(samples), samplesBuffer);
        }
        if (seriesBuffer.WrittenCount > 0 && samplesBuffer.WrittenCount > 0)
        {
            _wal.Log(seriesBuffer.WrittenMemory, samplesBuffer.WrittenMemory);
        }
        else if (seriesBuffer.WrittenCount > 0)
        {
            _wal.Log(seriesBuffer.WrittenSpan);
        }
        else if (samplesBuffer.WrittenCount > 0)
        {
            _wal.Log(samplesBuffer.WrittenSpan);
        }
    }

    private sealed class AgentSeries(ulong reference, LabelSet labels)
    {
        public ulong Ref { get; } = reference;

        public LabelSet Labels { get; } = labels;

        public long LastT = long.MinValue;
    }

    private sealed class AgentAppender(AgentStorage storage) : IAppender
    {
        private readonly List<AgentSeries> _newSeries = [];
        private readonly List<WalSample> _samples = [];
        private readonly List<AgentSeries> _touched = [];
        private bool _done;

        public bool TryAppend(ref SeriesRef seriesRef, LabelSet labels, long timestampMs, double value, out AppendError error)
        {
            if (_done)
            {
                throw new InvalidOperationException("appender already committed or rolled back");
            }
            long maxFuture = storage.Options.MaxFutureTimestamp >= TimeSpan.FromDays(365 * 1000) ? long.MaxValue
                : storage.Options.Clock.GetUtcNow().ToUnixTimeMilliseconds() + (long)storage.Options.MaxFutureTimestamp.TotalMilliseconds;
            if (timestampMs > maxFuture)
            {
                error = AppendError.TooFarInFuture;
                return false;
            }
            var s = seriesRef.IsSet ? storage.ByRef(seriesRef.Value) : null;
            if (s is null)
            {
                if (LabelValidation.Validate(labels) is not null)
                {
                    error = AppendError.InvalidLabels;
                    return false;
                }
                s = storage.GetOrCreate(labels, out bool created);
                if (created)
                {
                    _newSeries.Add(s);
                }
                seriesRef = new SeriesRef(s.Ref);
            }
            lock (s)
            {
                if (timestampMs <= s.LastT)
                {
                    error = timestampMs == s.LastT ? AppendError.DuplicateTimestamp : AppendError.OutOfOrder;
                    return false;
                }
                s.LastT = timestampMs;
            }
            _samples.Add(new WalSample(s.Ref, timestampMs, value));
            error = AppendError.None;
            return true;
        }

        public void Commit()
        {
            if (_done)
            {
                throw new InvalidOperationException("appender already committed or rolled back");
            }
            _done = true;
            try
            {
                storage.Log(_newSeries, _samples);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                throw new StorageException(AppendError.Closed, "the agent's WAL cannot be written: " + e.Message);
            }
        }

        public void Rollback()
        {
            if (_done)
            {
                return;
            }
            _done = true;
            // Note: new series stay known, so their series records must reach the WAL even without their samples.
            _samples.Clear();
            if (_newSeries.Count > 0)
            {
                storage.Log(_newSeries, _samples);
            }
        }
    }

    private sealed class EmptyQuerier(long mint, long maxt) : IQuerier
    {
        public long MinTime => mint;

        public long MaxTime => maxt;

        public ISeriesSet Select(bool sortSeries, SelectHints? hints, params LabelMatcher[] matchers) => SeriesSets.Empty();

        public IReadOnlyList<string> LabelValues(string name, params LabelMatcher[] matchers) => [];

        public IReadOnlyList<string> LabelNames(params LabelMatcher[] matchers) => [];

        public void Dispose()
        {
        }
    }
}
