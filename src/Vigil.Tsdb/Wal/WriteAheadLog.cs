// Note: over 600 lines on purpose: appending, segment rotation, truncation, repair, shared fsyncs and poisoning all work under one lock order (its Note below), so they stay in one file; reading is in WalReader.cs.
using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Vigil.Tsdb.Internal;

namespace Vigil.Tsdb.Wal;

/// <summary>
/// A segmented write-ahead log (Prometheus <c>tsdb/wlog</c>): records are appended, framed with a length and a CRC-32C,
/// to numbered segment files in one directory, and replayed in order after a restart.
/// </summary>
/// <remarks>
/// <para>Thread-safety: every public member is thread-safe. Writes are serialised; in <see cref="WalSyncMode.Commit"/>
/// mode callers wait for the fsync outside the write lock, so writers that arrive while an fsync runs are covered by the
/// next one (group commit).</para>
/// <para>Ownership: <c>Log</c> copies the record bytes before it returns; the caller keeps its buffers.</para>
/// <para>Start-up: <see cref="Open"/> never reads old segments and always starts a fresh segment after the last one, so
/// a torn tail left by a crash is never appended to. The caller replays with <see cref="OpenReplay"/>; when the reader
/// throws <see cref="WalCorruptionException"/>, it passes the exception to <see cref="Repair"/>, which cuts the log at the
/// damaged record, and carries on logging. Do this before logging new records: repair discards every segment after
/// the damaged one.</para>
/// <para>After an fsync fails the log refuses further writes (the page cache may have dropped the data, so retrying
/// could silently lose it); a failed write that could be rolled back leaves the log usable.</para>
/// </remarks>
public sealed class WriteAheadLog : IDisposable
{
    private const int DefaultFrameBufferSize = 64 * 1024;
    private const int MaxRetainedFrameBuffer = 4 * 1024 * 1024;

    private readonly string _directory;
    private readonly long _segmentSize;
    private readonly WalSyncMode _mode;
    private readonly TimeSpan _syncInterval;
    private readonly Action<string>? _log;

    // Note: order: _maintenanceLock, then the sync claim (_syncBusy, guarded by _syncGate), then _writeLock. Writers
    // take only _writeLock, so they keep appending while an fsync runs; waiting for an fsync never holds a lock.
    private readonly Lock _maintenanceLock = new();
    private readonly object _syncGate = new();
    private readonly Lock _writeLock = new();
    private readonly ManualResetEventSlim _stopSync = new(false);
    private readonly Thread? _syncThread;

    private Segment _segment;
    private byte[] _frameBuffer;
    private long _writtenSeq;
    private long _syncedSeq;
    private bool _syncBusy;
    private int _currentIndex;
    private Exception? _failure;
    private bool _disposed;

    private WriteAheadLog(string directory, long segmentSize, WalSyncMode mode, TimeSpan syncInterval, bool backgroundSync, Action<string>? log)
    {
        _directory = Path.GetFullPath(directory);
        _segmentSize = segmentSize;
        _mode = mode;
        _syncInterval = syncInterval;
        _log = log;
        System.IO.Directory.CreateDirectory(_directory);
        Checkpoint.DeleteLeftovers(_directory, log);

        var segments = SegmentFiles.List(_directory);
        int next = segments.Count == 0 ? 0 : checked(segments[^1] + 1);
        if (Checkpoint.FindLast(_directory) is { } checkpoint && checkpoint.Index >= next)
        {
            // Note: segments up to the checkpoint are ignored by replay, so the new segment must come after it.
            next = checked(checkpoint.Index + 1);
        }
        _segment = CreateSegment(next);
        _currentIndex = next;
        Metrics.SetSegments(segments.Count + 1, next);
        _frameBuffer = ArrayPool<byte>.Shared.Rent(DefaultFrameBufferSize);

        if (backgroundSync)
        {
            _syncThread = new Thread(SyncLoop) { IsBackground = true, Name = "Vigil WAL fsync" };
            _syncThread.Start();
        }
    }

    /// <summary>Opens (creating when needed) the log in <see cref="WalOptions.Directory"/> and starts a new segment after the existing ones.</summary>
    /// <param name="options">Directory, segment size and sync mode.</param>
    /// <param name="log">Receives one line per notable event (repair, failed background fsync, removed leftovers); may be null.</param>
    public static WriteAheadLog Open(WalOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new WriteAheadLog(options.Directory, options.SegmentSize, options.Sync, options.SyncInterval,
            backgroundSync: options.Sync == WalSyncMode.Interval, log);
    }

    /// <summary>A log without background fsync, for writing checkpoints: rotation and <see cref="Dispose"/> fsync.</summary>
    internal static WriteAheadLog OpenForCheckpoint(string directory, Action<string>? log)
        => new(directory, WalOptions.DefaultSegmentSize, WalSyncMode.Interval, TimeSpan.Zero, backgroundSync: false, log);

    /// <summary>The absolute path of the log directory.</summary>
    public string Directory => _directory;

    /// <summary>The index of the segment being written.</summary>
    public int LastSegment => Volatile.Read(ref _currentIndex);

    /// <summary>The sync mode the log was opened with.</summary>
    public WalSyncMode SyncMode => _mode;

    /// <summary>Counters and gauges of this log (also updated by checkpoints created with these metrics).</summary>
    public WalMetrics Metrics { get; } = new();

    /// <summary>A reader over the last checkpoint and every later segment of this log, in order; see <see cref="WalReader.OpenReplay"/>.</summary>
    public WalReader OpenReplay() => WalReader.OpenReplay(_directory);

    /// <summary>Appends one record; in <see cref="WalSyncMode.Commit"/> mode returns only once it is fsynced.</summary>
    /// <exception cref="IOException">The write or fsync failed.</exception>
    /// <exception cref="ObjectDisposedException">The log is disposed.</exception>
    public void Log(ReadOnlySpan<byte> record)
    {
        if (record.Length > WalFrame.MaxPayload)
        {
            throw new ArgumentException($"A WAL record can hold at most {WalFrame.MaxPayload} bytes; got {record.Length}.", nameof(record));
        }
        // Note: the checksum is computed before taking the lock so concurrent writers hash in parallel.
        uint crc = WalFrame.Checksum(WalFrame.FullRecord, record);
        int frameLength = WalFrame.HeaderSize + record.Length;
        long seq;
        lock (_writeLock)
        {
            ThrowIfUnusable();
            PrepareSegment(frameLength);
            byte[] buffer = RentFrameBuffer(frameLength, out bool temporary);
            try
            {
                WalFrame.WriteHeader(buffer, WalFrame.FullRecord, record.Length, crc);
                record.CopyTo(buffer.AsSpan(WalFrame.HeaderSize));
                WriteToSegment(buffer.AsSpan(0, frameLength));
            }
            finally
            {
                if (temporary)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
            seq = ++_writtenSeq;
        }
        Metrics.AddWrite(frameLength, 1);
        if (_mode == WalSyncMode.Commit)
        {
            WaitDurable(seq);
        }
    }

    /// <summary>
    /// Appends records as one atomic batch: one frame with one checksum, in one segment, written with one system call and,
    /// in <see cref="WalSyncMode.Commit"/> mode, covered by one fsync. After a crash either all of them replay or none.
    /// </summary>
    /// <exception cref="IOException">The write or fsync failed.</exception>
    /// <exception cref="ObjectDisposedException">The log is disposed.</exception>
    public void Log(params ReadOnlySpan<ReadOnlyMemory<byte>> records)
    {
        if (records.Length == 0)
        {
            return;
        }
        if (records.Length == 1)
        {
            Log(records[0].Span);
            return;
        }
        long payloadLength = 0;
        foreach (var r in records)
        {
            payloadLength += Varint.UnsignedLength((ulong)r.Length) + r.Length;
        }
        if (payloadLength > WalFrame.MaxPayload)
        {
            throw new ArgumentException($"A WAL batch can hold at most {WalFrame.MaxPayload} bytes; got {payloadLength}.", nameof(records));
        }
        int frameLength = WalFrame.HeaderSize + (int)payloadLength;
        long seq;
        lock (_writeLock)
        {
            ThrowIfUnusable();
            PrepareSegment(frameLength);
            byte[] buffer = RentFrameBuffer(frameLength, out bool temporary);
            try
            {
                var frame = buffer.AsSpan(0, frameLength);
                int pos = WalFrame.HeaderSize;
                foreach (var r in records)
                {
                    pos = Varint.WriteUnsigned(frame, pos, (ulong)r.Length);
                    r.Span.CopyTo(frame[pos..]);
                    pos += r.Length;
                }
                WalFrame.WriteHeader(frame, WalFrame.Batch, (int)payloadLength, 0);
                WalFrame.WriteHeader(frame, WalFrame.Batch, (int)payloadLength, WalFrame.ChecksumOf(frame));
                WriteToSegment(frame);
            }
            finally
            {
                if (temporary)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
            seq = ++_writtenSeq;
        }
        Metrics.AddWrite(frameLength, records.Length);
        if (_mode == WalSyncMode.Commit)
        {
            WaitDurable(seq);
        }
    }

    /// <summary>Fsyncs everything logged so far; returns at once when it is already durable.</summary>
    public void Sync()
    {
        ThrowIfDisposedUnlocked();
        WaitDurable(Volatile.Read(ref _writtenSeq));
    }

    /// <summary>
    /// Writes a checkpoint of this log with <see cref="Checkpoint.Create"/>, counting it in <see cref="Metrics"/>, after
    /// checking that <paramref name="toSegment"/> is not the segment being written (whose later records the checkpoint
    /// would miss while replay skipped them). Follow it with <c>Truncate(toSegment + 1)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="toSegment"/> is not before <see cref="LastSegment"/>.</exception>
    public CheckpointStats CreateCheckpoint(int fromSegment, int toSegment, Func<ulong, bool> keepSeries, long minTime)
    {
        ThrowIfDisposedUnlocked();
        int current = LastSegment;
        if (toSegment >= current)
        {
            throw new ArgumentOutOfRangeException(nameof(toSegment), toSegment,
                $"a checkpoint must end before segment {current}, which is being written");
        }
        return Checkpoint.Create(_directory, fromSegment, toSegment, keepSeries, minTime, Metrics, _log);
    }

    /// <summary>
    /// Deletes the segments before <paramref name="beforeSegment"/> and the checkpoints older than the last one; call it
    /// after <see cref="Checkpoint.Create"/> covered those segments (Prometheus <c>WL.Truncate</c>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="beforeSegment"/> is after the segment being written.</exception>
    public void Truncate(int beforeSegment)
    {
        lock (_maintenanceLock)
        {
            ThrowIfDisposedUnlocked();
            int current = LastSegment;
            if (beforeSegment > current)
            {
                throw new ArgumentOutOfRangeException(nameof(beforeSegment), beforeSegment,
                    $"cannot delete segment {current}, which is being written");
            }
            try
            {
                foreach (int index in SegmentFiles.List(_directory))
                {
                    if (index < beforeSegment)
                    {
                        File.Delete(SegmentFiles.PathOf(_directory, index));
                    }
                }
                if (Checkpoint.FindLast(_directory) is { } last)
                {
                    Checkpoint.DeleteOlderThan(_directory, last.Index);
                }
                lock (_writeLock)
                {
                    Metrics.SetSegments(SegmentFiles.List(_directory).Count, _currentIndex);
                }
                Metrics.AddTruncation();
            }
            catch
            {
                Metrics.AddTruncationFailed();
                throw;
            }
        }
    }

    /// <summary>
    /// Cuts the log at a corruption found while replaying: truncates the damaged segment at <see cref="WalCorruptionException.Offset"/>,
    /// deletes every later segment and continues in a new segment after the damaged one (Prometheus <c>WL.Repair</c>).
    /// Records before the damage stay; everything after it is discarded. Writes one log line naming segment, offset and reason.
    /// </summary>
    /// <exception cref="InvalidOperationException">The corruption is inside a checkpoint, which cannot be repaired by truncation.</exception>
    /// <exception cref="ArgumentException">The corruption belongs to another directory or to a segment after the current one.</exception>
    public void Repair(WalCorruptionException corruption)
    {
        ArgumentNullException.ThrowIfNull(corruption);
        if (corruption.InCheckpoint)
        {
            throw new InvalidOperationException(
                $"a damaged checkpoint cannot be repaired by truncating the log, because the segments it covers may be deleted already ({corruption.Message})");
        }
        if (!string.Equals(Path.GetFullPath(corruption.Directory), _directory, StringComparison.Ordinal))
        {
            throw new ArgumentException($"the corruption is in \"{corruption.Directory}\", not in this log's directory \"{_directory}\"", nameof(corruption));
        }
        lock (_maintenanceLock)
        {
            long syncedTo = -1;
            AcquireSyncClaim();
            try
            {
                lock (_writeLock)
                {
                    ThrowIfUnusable();
                    if (corruption.Segment > _segment.Index)
                    {
                        throw new ArgumentException(
                            $"the corruption is in segment {corruption.Segment}, after the segment being written ({_segment.Index})", nameof(corruption));
                    }
                    RepairLocked(corruption);
                    // Note: what survived the repair was fsynced by it.
                    syncedTo = _writtenSeq;
                }
            }
            finally
            {
                ReleaseSyncClaim(syncedTo);
            }
        }
    }

    /// <summary>Stops the background fsync, fsyncs what was logged and closes the segment.</summary>
    /// <exception cref="IOException">The final fsync failed: records logged since the last successful fsync may not be durable.</exception>
    public void Dispose()
    {
        Exception? error = null;
        lock (_maintenanceLock)
        {
            if (Volatile.Read(ref _disposed))
            {
                return;
            }
            _stopSync.Set();
            _syncThread?.Join();
            long syncedTo = -1;
            AcquireSyncClaim();
            try
            {
                lock (_writeLock)
                {
                    Volatile.Write(ref _disposed, true);
                    if (_failure is null && _writtenSeq > Volatile.Read(ref _syncedSeq))
                    {
                        try
                        {
                            FlushToDisk(_segment.Handle);
                            syncedTo = _writtenSeq;
                        }
                        catch (IOException ex)
                        {
                            error = ex;
                        }
                    }
                    _segment.Handle.Dispose();
                    ArrayPool<byte>.Shared.Return(_frameBuffer);
                    _frameBuffer = [];
                }
            }
            finally
            {
                ReleaseSyncClaim(syncedTo);
            }
        }
        _stopSync.Dispose();
        if (error is not null)
        {
            throw new IOException($"WAL {_directory}: the final fsync failed; recent records may not be durable: {error.Message}", error);
        }
    }

    private void RepairLocked(WalCorruptionException corruption)
    {
        var current = _segment;
        try
        {
            FlushToDisk(current.Handle);
        }
        catch (IOException ex)
        {
            Fail(ex);
            throw;
        }
        current.Handle.Dispose();
        try
        {
            int deleted = 0;
            foreach (int index in SegmentFiles.List(_directory))
            {
                if (index > corruption.Segment)
                {
                    File.Delete(SegmentFiles.PathOf(_directory, index));
                    deleted++;
                }
            }
            string damaged = SegmentFiles.PathOf(_directory, corruption.Segment);
            // Note: a missing segment is recreated empty so the sequence of segment files stays gap-free.
            using (var handle = File.OpenHandle(damaged, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete))
            {
                if (RandomAccess.GetLength(handle) > corruption.Offset)
                {
                    RandomAccess.SetLength(handle, corruption.Offset);
                }
                FlushToDisk(handle);
            }
            int next = checked(corruption.Segment + 1);
            _segment = CreateSegment(next);
            Volatile.Write(ref _currentIndex, next);
            Metrics.SetSegments(SegmentFiles.List(_directory).Count, next);
            Metrics.AddCorruptionRepaired();
            _log?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"wal: repaired corruption in segment {SegmentFiles.Name(corruption.Segment)} at offset {corruption.Offset} ({corruption.Reason}): truncated the segment there, deleted {deleted} later segment(s), continuing in segment {SegmentFiles.Name(next)}"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Note: the old segment is closed and no new one could be set up, so the log cannot take writes anymore.
            Fail(ex);
            throw;
        }
    }

    /// <summary>
    /// Closes the current segment (fsynced) and continues in a new one, so everything logged so far can be
    /// checkpointed; does nothing when the current segment is empty. Returns the index of the segment now written.
    /// </summary>
    public int NextSegment()
    {
        lock (_writeLock)
        {
            ThrowIfUnusable();
            if (_segment.Size > 0)
            {
                Rotate();
            }
            return _segment.Index;
        }
    }

    private void PrepareSegment(int frameLength)
    {
        if (_segment.Size > 0 && _segment.Size + frameLength > _segmentSize)
        {
            Rotate();
        }
    }

    private void Rotate()
    {
        var old = _segment;
        try
        {
            // Note: every closed segment is durable, so an fsync of the current segment covers all writes before it.
            FlushToDisk(old.Handle);
        }
        catch (IOException ex)
        {
            Fail(ex);
            throw;
        }
        var next = CreateSegment(checked(old.Index + 1));
        _segment = next;
        Volatile.Write(ref _currentIndex, next.Index);
        old.Handle.Dispose();
        Metrics.SetSegments(Metrics.SegmentCount + 1, next.Index);
    }

    private Segment CreateSegment(int index)
    {
        string path = SegmentFiles.PathOf(_directory, index);
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        try
        {
            NativeFileSystem.SyncDirectory(_directory);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        return new Segment(index, handle);
    }

    private void WriteToSegment(ReadOnlySpan<byte> frame)
    {
        var segment = _segment;
        long offset = segment.Size;
        try
        {
            RandomAccess.Write(segment.Handle, frame, offset);
            segment.Size = offset + frame.Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Metrics.AddWriteFailure();
            try
            {
                // Note: drop the partial frame so the next write does not land behind garbage.
                RandomAccess.SetLength(segment.Handle, offset);
            }
            catch (Exception inner) when (inner is IOException or UnauthorizedAccessException)
            {
                Fail(new IOException($"WAL segment {SegmentFiles.Name(segment.Index)}: a failed write could not be rolled back: {inner.Message}", ex));
            }
            throw;
        }
    }

    private byte[] RentFrameBuffer(int size, out bool temporary)
    {
        if (size <= _frameBuffer.Length)
        {
            temporary = false;
            return _frameBuffer;
        }
        if (size <= MaxRetainedFrameBuffer)
        {
            byte[] bigger = ArrayPool<byte>.Shared.Rent(size);
            ArrayPool<byte>.Shared.Return(_frameBuffer);
            _frameBuffer = bigger;
            temporary = false;
            return bigger;
        }
        temporary = true;
        return ArrayPool<byte>.Shared.Rent(size);
    }

    private void WaitDurable(long seq)
    {
        if (Volatile.Read(ref _syncedSeq) >= seq)
        {
            return;
        }
        lock (_syncGate)
        {
            while (true)
            {
                if (_syncedSeq >= seq)
                {
                    // Note: group commit: an fsync that started after our write covered it.
                    return;
                }
                if (!_syncBusy)
                {
                    _syncBusy = true;
                    break;
                }
                // Note: wait without holding anything, so a writer covered by the running fsync returns as soon as it ends,
                // even if another fsync starts right after.
                Monitor.Wait(_syncGate);
            }
        }
        long synced = -1;
        try
        {
            synced = SyncCurrentSegment();
        }
        finally
        {
            ReleaseSyncClaim(synced);
        }
    }

    /// <summary>Fsyncs the current segment; returns the write sequence number it covers. The caller holds the sync claim.</summary>
    private long SyncCurrentSegment()
    {
        SafeFileHandle handle;
        long target;
        bool added = false;
        lock (_writeLock)
        {
            ThrowIfUnusable();
            target = _writtenSeq;
            handle = _segment.Handle;
            // Note: a reference keeps the descriptor open should a rotation close the segment while we fsync it.
            handle.DangerousAddRef(ref added);
        }
        try
        {
            FlushToDisk(handle);
        }
        catch (IOException ex)
        {
            Fail(ex);
            throw;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
        return target;
    }

    /// <summary>Waits until no fsync runs and keeps others from starting one, for work that replaces or closes the segment.</summary>
    private void AcquireSyncClaim()
    {
        lock (_syncGate)
        {
            while (_syncBusy)
            {
                Monitor.Wait(_syncGate);
            }
            _syncBusy = true;
        }
    }

    /// <summary>Ends a sync claim, records that writes up to <paramref name="syncedTo"/> are durable and wakes the waiters.</summary>
    private void ReleaseSyncClaim(long syncedTo)
    {
        lock (_syncGate)
        {
            if (syncedTo > _syncedSeq)
            {
                Volatile.Write(ref _syncedSeq, syncedTo);
            }
            _syncBusy = false;
            Monitor.PulseAll(_syncGate);
        }
    }

    private void FlushToDisk(SafeFileHandle handle)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            RandomAccess.FlushToDisk(handle);
        }
        catch (IOException)
        {
            Metrics.AddWriteFailure();
            throw;
        }
        Metrics.AddFsync(Stopwatch.GetTimestamp() - start);
    }

    private void Fail(Exception ex)
    {
        lock (_writeLock)
        {
            _failure ??= ex;
        }
    }

    private void SyncLoop()
    {
        while (!_stopSync.Wait(_syncInterval))
        {
            try
            {
                WaitDurable(Volatile.Read(ref _writtenSeq));
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (IOException ex)
            {
                _log?.Invoke($"wal: background fsync of {_directory} failed, the log refuses further writes: {ex.Message}");
                return;
            }
        }
    }

    private void ThrowIfUnusable()
    {
        ThrowIfDisposedLocked();
        if (_failure is { } failure)
        {
            throw new IOException($"WAL {_directory} is unusable after an earlier I/O failure: {failure.Message}", failure);
        }
    }

    private void ThrowIfDisposedLocked() => ObjectDisposedException.ThrowIf(_disposed, this);

    private void ThrowIfDisposedUnlocked() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);

    private sealed class Segment(int index, SafeFileHandle handle)
    {
        public int Index { get; } = index;

        public SafeFileHandle Handle { get; } = handle;

        public long Size { get; set; }
    }
}
