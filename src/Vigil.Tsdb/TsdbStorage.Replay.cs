using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vigil.Tsdb.Head;
using Vigil.Tsdb.Wal;

namespace Vigil.Tsdb;

public sealed partial class TsdbStorage
{
    private long _walCorruptions;

    /// <summary>
    /// WAL damage found at start-up: corrupted frames in segments or checkpoints and records that do not decode. Each
    /// one was logged and repaired or skipped; the server started anyway.
    /// </summary>
    public long WalCorruptions => Interlocked.Read(ref _walCorruptions);

    private void ReplayWal()
    {
        if (!Directory.Exists(WalDir))
        {
            return;
        }
        var sw = Stopwatch.StartNew();
        var state = new ReplayState(Head);
        string? corruption = null;
        var reader = WalReader.OpenReplay(WalDir);
        try
        {
            while (true)
            {
                try
                {
                    while (reader.Next())
                    {
                        state.Apply(reader.Record, reader.Position, this);
                    }
                    break;
                }
                catch (WalCorruptionException e) when (e.InCheckpoint)
                {
                    // Note: a damaged checkpoint is cut at the damage like a damaged segment: its records before the
                    // damage were replayed, those after it are lost, and the segments after the checkpoint still replay
                    // (their samples of series lost with the checkpoint are counted as unknown and dropped).
                    Interlocked.Increment(ref _walCorruptions);
                    corruption ??= e.Message;
                    reader.Dispose();
                    int checkpointIndex = Checkpoint.FindLast(WalDir)?.Index ?? -1;
                    if (Options.ReadOnly)
                    {
                        _log.LogError("WAL checkpoint corruption found during replay: {Error}; records after the damage are skipped (read-only: nothing repaired)", e.Message);
                    }
                    else
                    {
                        _log.LogError("WAL checkpoint corruption found during replay: {Error}; records before it were replayed, the checkpoint is cut there and replay goes on with the segments after it", e.Message);
                        Checkpoint.Repair(e, line => _log.LogWarning("{Message}", line));
                    }
                    reader = WalReader.Open(WalDir, firstSegment: checkpointIndex + 1);
                }
                catch (WalCorruptionException e)
                {
                    Interlocked.Increment(ref _walCorruptions);
                    corruption ??= e.Message;
                    _log.LogError("WAL corruption found during replay: {Error}; records before it were replayed", e.Message);
                    if (_wal is not null)
                    {
                        reader.Dispose();
                        _wal.Repair(e);
                    }
                    break;
                }
            }
        }
        finally
        {
            reader.Dispose();
        }
        // Note: a sample whose series record was lost (damage) keeps its reference in the log until the next checkpoint
        // drops it; a new series must never get that reference, or the next replay would give it those samples.
        Head.ReserveRefsUpTo(state.MaxRef);
        if (state.Samples > 0)
        {
            Head.UpdateTimeBounds(state.MinTime, state.MaxTime);
            Interlocked.Add(ref Head.Stats._samplesAppended, state.Samples);
        }
        LastReplay = new ReplayStats(state.Records, state.Series, state.Samples, state.UnknownRefs, sw.Elapsed, corruption);
        if (state.UnknownRefs > 0)
        {
            _log.LogWarning("WAL replay: {Count} samples referenced unknown series and were dropped", state.UnknownRefs);
        }
        if (state.TooFarInFuture > 0)
        {
            _log.LogWarning("WAL replay: {Count} samples lay more than {Margin} after the clock and were dropped (a wrong timestamp unit?)",
                state.TooFarInFuture, Options.MaxFutureTimestamp);
        }
        _log.LogInformation("WAL replay: {Records} records, {Series} series, {Samples} samples in {Ms} ms",
            state.Records, state.Series, state.Samples, (long)sw.Elapsed.TotalMilliseconds);
    }

    /// <summary>What replay has applied so far, and the buffers it reuses.</summary>
    private sealed class ReplayState(Head.Head head)
    {
        private readonly WalRecordDecoder _decoder = new();
        private readonly List<WalSeries> _series = new();
        private readonly List<WalSample> _samples = new();
        private readonly long _minValid = head.MinValidTime;
        private readonly long _maxValid = head.MaxValidTime;

        public long Records { get; private set; }

        public long Series { get; private set; }

        public long Samples { get; private set; }

        public long UnknownRefs { get; private set; }

        public long TooFarInFuture { get; private set; }

        public ulong MaxRef { get; private set; }

        public long MinTime { get; private set; } = long.MaxValue;

        public long MaxTime { get; private set; } = long.MinValue;

        public void Apply(ReadOnlySpan<byte> record, WalPosition position, TsdbStorage db)
        {
            Records++;
            try
            {
                switch (WalRecords.GetRecordType(record))
                {
                    case WalRecordType.Series:
                        _series.Clear();
                        _decoder.DecodeSeries(record, _series);
                        foreach (var s in _series)
                        {
                            head.Restore(s.Ref, s.Labels);
                            Series++;
                        }
                        break;
                    case WalRecordType.Samples:
                        _samples.Clear();
                        _decoder.DecodeSamples(record, _samples);
                        ApplySamples();
                        break;
                }
            }
            catch (InvalidDataException e)
            {
                // Note: a frame whose checksum holds but whose record does not decode (written by a faulty version) is
                // skipped on its own; the records around it are intact.
                Interlocked.Increment(ref db._walCorruptions);
                db._log.LogError("WAL replay: skipping the record at {Position}: {Error}", position, e.Message);
            }
        }

        private void ApplySamples()
        {
            long chunkRange = head.ChunkRange;
            foreach (var x in _samples)
            {
                MaxRef = Math.Max(MaxRef, x.Ref);
                if (x.T < _minValid)
                {
                    continue; // already persisted in a block
                }
                if (x.T > _maxValid)
                {
                    TooFarInFuture++;
                    continue;
                }
                var s = head.ByRef(x.Ref);
                if (s is null)
                {
                    UnknownRefs++;
                    continue;
                }
                using (s.Acquire())
                {
                    if (s.Append(x.T, x.V, chunkRange) == AppendCheck.Ok)
                    {
                        Samples++;
                        MinTime = Math.Min(MinTime, x.T);
                        MaxTime = Math.Max(MaxTime, x.T);
                    }
                }
            }
        }
    }
}
