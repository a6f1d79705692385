using System.Runtime.InteropServices;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Tsdb.Internal;

namespace Vigil.Tsdb.Head;

/// <summary>An append batch on the head; samples become visible and durable on commit.</summary>
/// <remarks>
/// Each sample takes its series' lock once to check its order and once more at commit, where consecutive samples of one
/// series share one lock; nothing else is locked, so appenders of different series never wait for each other.
/// </remarks>
internal sealed class HeadAppender : IAppender
{
    private readonly Head _head;
    private AppenderBuffers? _buffers;

    // Note: series whose record was not in the WAL when this batch first appended to them. Kept per batch (not read
    // from the shared PendingMaxTime): another batch appending to the same new series and rolling back must not make
    // this batch forget to log the series record, or its samples would not replay.
    private HashSet<MemSeries>? _unlogged;
    private MemSeries? _last;
    private readonly long _maxValidTime;
    private bool _done;

    public HeadAppender(Head head)
    {
        _head = head;
        // Note: read the clock once per batch, not per sample; a batch is short-lived.
        _maxValidTime = head.MaxValidTime;
    }

    public bool TryAppend(ref SeriesRef seriesRef, LabelSet labels, long timestampMs, double value, out AppendError error)
    {
        if (_done)
        {
            throw new InvalidOperationException("appender already committed or rolled back");
        }
        if (timestampMs < _head.MinValidTime)
        {
            Interlocked.Increment(ref _head.Stats._tooOld);
            error = AppendError.TooOld;
            return false;
        }
        if (timestampMs > _maxValidTime)
        {
            Interlocked.Increment(ref _head.Stats._tooFarInFuture);
            error = AppendError.TooFarInFuture;
            return false;
        }
        // Note: a batch usually appends several samples of one series in a row (remote-write); the series is looked up once.
        MemSeries? s = _last is { } last && seriesRef.IsSet && last.Ref == seriesRef.Value ? last
            : seriesRef.IsSet ? _head.ByRef(seriesRef.Value) : null;
        if (s is null)
        {
            if (LabelValidation.Validate(labels) is not null)
            {
                Interlocked.Increment(ref _head.Stats._invalidLabels);
                error = AppendError.InvalidLabels;
                return false;
            }
            s = _head.GetOrCreate(labels, out _);
            seriesRef = new SeriesRef(s.Ref);
        }
        using (s.Acquire())
        {
            switch (s.Check(timestampMs, value))
            {
                case AppendCheck.OutOfOrder:
                    Interlocked.Increment(ref _head.Stats._outOfOrder);
                    error = AppendError.OutOfOrder;
                    return false;
                case AppendCheck.DuplicateTimestamp:
                    Interlocked.Increment(ref _head.Stats._duplicates);
                    error = AppendError.DuplicateTimestamp;
                    return false;
                case AppendCheck.Duplicate:
                    error = AppendError.None;
                    return true; // idempotent re-send of the same sample
            }
            if (s.PendingMaxTime == long.MinValue)
            {
                (_buffers ??= _head.RentAppenderBuffers()).Touched.Add(s);
            }
            s.PendingMaxTime = timestampMs;
        }
        if (Volatile.Read(ref s.Logged) == 0 && _head.Log is not null)
        {
            (_unlogged ??= []).Add(s);
        }
        _last = s;
        (_buffers ??= _head.RentAppenderBuffers()).Samples.Add(new PendingSample(s, timestampMs, value));
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
            if (_buffers is not { Samples.Count: > 0 } buffers)
            {
                return;
            }
            if (_head.Log is { } log)
            {
                var newSeries = new List<MemSeries>();
                if (_unlogged is not null)
                {
                    foreach (var s in _unlogged)
                    {
                        if (Interlocked.Exchange(ref s.Logged, 1) == 0)
                        {
                            newSeries.Add(s);
                        }
                    }
                }
                try
                {
                    log.Log(newSeries, buffers.Samples);
                }
                catch (Exception e)
                {
                    foreach (var s in newSeries)
                    {
                        Interlocked.Exchange(ref s.Logged, 0);
                    }
                    if (e is IOException io)
                    {
                        // Note: nothing of the batch reached the head; the caller may retry once the cause is gone.
                        if (DiskErrors.IsOutOfSpace(io))
                        {
                            Interlocked.Increment(ref _head.Stats._outOfSpace);
                            throw new StorageException(AppendError.OutOfSpace, $"no space left on the disk holding the write-ahead log; nothing of the batch was stored ({io.Message})", io);
                        }
                        throw new StorageException($"writing the write-ahead log failed; nothing of the batch was stored: {io.Message}", io);
                    }
                    throw;
                }
            }
            long chunkRange = _head.ChunkRange;
            long mint = long.MaxValue, maxt = long.MinValue;
            long appended = 0;
            var samples = CollectionsMarshal.AsSpan(buffers.Samples);
            long outOfOrder = 0, duplicates = 0;
            for (int i = 0; i < samples.Length;)
            {
                var series = samples[i].Series;
                using (series.Acquire())
                {
                    do
                    {
                        ref readonly var p = ref samples[i];
                        switch (series.Append(p.T, p.V, chunkRange))
                        {
                            case AppendCheck.Ok:
                                appended++;
                                mint = Math.Min(mint, p.T);
                                maxt = Math.Max(maxt, p.T);
                                break;
                            case AppendCheck.OutOfOrder:
                                // Another appender committed a newer sample for this series first.
                                outOfOrder++;
                                break;
                            case AppendCheck.DuplicateTimestamp:
                                duplicates++;
                                break;
                        }
                    }
                    while (++i < samples.Length && ReferenceEquals(samples[i].Series, series));
                }
            }
            if (outOfOrder > 0)
            {
                Interlocked.Add(ref _head.Stats._outOfOrder, outOfOrder);
            }
            if (duplicates > 0)
            {
                Interlocked.Add(ref _head.Stats._duplicates, duplicates);
            }
            Interlocked.Add(ref _head.Stats._samplesAppended, appended);
            if (appended > 0)
            {
                _head.UpdateTimeBounds(mint, maxt);
            }
        }
        finally
        {
            ClearPending();
        }
    }

    public void Rollback()
    {
        if (_done)
        {
            return;
        }
        _done = true;
        ClearPending();
    }

    private void ClearPending()
    {
        if (_buffers is { } buffers)
        {
            foreach (var s in buffers.Touched)
            {
                using (s.Acquire())
                {
                    s.PendingMaxTime = long.MinValue;
                }
            }
            _buffers = null;
            _head.ReturnAppenderBuffers(buffers);
        }
        _unlogged = null;
        _last = null;
    }
}

/// <summary>
/// The pending samples and touched series of one batch; pooled by the head, so a request does not grow (and drop) two
/// lists of its size every time.
/// </summary>
internal sealed class AppenderBuffers
{
    /// <summary>Lists that grew beyond this many entries are not kept for reuse (a rare huge batch).</summary>
    public const int MaxRetained = 1 << 18;

    public List<PendingSample> Samples { get; } = new();

    public List<MemSeries> Touched { get; } = new();
}
