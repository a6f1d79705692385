using System.Diagnostics;

namespace Vigil.Tsdb.Wal;

/// <summary>
/// Counters and gauges of one write-ahead log, for the server to expose (they mirror Prometheus's
/// <c>prometheus_tsdb_wal_*</c> and <c>prometheus_tsdb_checkpoint_*</c> metrics).
/// </summary>
/// <remarks>Thread-safe: every property is a lock-free read of a value updated with <see cref="Interlocked"/>.</remarks>
public sealed class WalMetrics
{
    private long _fsyncCount;
    private long _fsyncTicks;
    private long _lastFsyncTicks;
    private long _bytesWritten;
    private long _recordsWritten;
    private long _writesFailed;
    private long _corruptionsRepaired;
    private long _checkpointsCreated;
    private long _checkpointsFailed;
    private long _truncations;
    private long _truncationsFailed;
    private int _segmentCount;
    private int _currentSegment = -1;

    /// <summary>Number of fsync calls on segment files.</summary>
    public long FsyncCount => Volatile.Read(ref _fsyncCount);

    /// <summary>Total seconds spent in fsync of segment files.</summary>
    public double FsyncSecondsTotal => Volatile.Read(ref _fsyncTicks) / (double)Stopwatch.Frequency;

    /// <summary>Duration in seconds of the most recent fsync.</summary>
    public double LastFsyncSeconds => Volatile.Read(ref _lastFsyncTicks) / (double)Stopwatch.Frequency;

    /// <summary>Bytes written to segment files, frame headers included.</summary>
    public long BytesWritten => Volatile.Read(ref _bytesWritten);

    /// <summary>Records written.</summary>
    public long RecordsWritten => Volatile.Read(ref _recordsWritten);

    /// <summary>Writes (or fsyncs) that failed with an I/O error.</summary>
    public long WritesFailed => Volatile.Read(ref _writesFailed);

    /// <summary>Corruptions cut off by <see cref="WriteAheadLog.Repair"/>.</summary>
    public long CorruptionsRepaired => Volatile.Read(ref _corruptionsRepaired);

    /// <summary>Checkpoints created successfully.</summary>
    public long CheckpointsCreated => Volatile.Read(ref _checkpointsCreated);

    /// <summary>Checkpoint creations that failed.</summary>
    public long CheckpointsFailed => Volatile.Read(ref _checkpointsFailed);

    /// <summary>Successful calls of <see cref="WriteAheadLog.Truncate"/>.</summary>
    public long Truncations => Volatile.Read(ref _truncations);

    /// <summary>Calls of <see cref="WriteAheadLog.Truncate"/> that failed.</summary>
    public long TruncationsFailed => Volatile.Read(ref _truncationsFailed);

    /// <summary>Number of segment files in the log directory.</summary>
    public int SegmentCount => Volatile.Read(ref _segmentCount);

    /// <summary>Index of the segment being written, or -1 before the log is open.</summary>
    public int CurrentSegment => Volatile.Read(ref _currentSegment);

    internal void AddFsync(long elapsedTicks)
    {
        Interlocked.Increment(ref _fsyncCount);
        Interlocked.Add(ref _fsyncTicks, elapsedTicks);
        Volatile.Write(ref _lastFsyncTicks, elapsedTicks);
    }

    internal void AddWrite(long bytes, int records)
    {
        Interlocked.Add(ref _bytesWritten, bytes);
        Interlocked.Add(ref _recordsWritten, records);
    }

    internal void AddWriteFailure() => Interlocked.Increment(ref _writesFailed);

    internal void AddCorruptionRepaired() => Interlocked.Increment(ref _corruptionsRepaired);

    internal void AddCheckpointCreated() => Interlocked.Increment(ref _checkpointsCreated);

    internal void AddCheckpointFailed() => Interlocked.Increment(ref _checkpointsFailed);

    internal void AddTruncation() => Interlocked.Increment(ref _truncations);

    internal void AddTruncationFailed() => Interlocked.Increment(ref _truncationsFailed);

    internal void SetSegments(int count, int current)
    {
        Volatile.Write(ref _segmentCount, count);
        Volatile.Write(ref _currentSegment, current);
    }
}
