using Vigil.Core.Labels;
using Vigil.Tsdb.Chunks;

namespace Vigil.Tsdb.Head;

/// <summary>One series in the head: its labels, closed chunks and the open chunk being appended to.</summary>
/// <remarks>All mutable state is guarded by the series' own lock (<see cref="Acquire"/>).</remarks>
internal sealed class MemSeries
{
    /// <summary>Maximum samples per chunk, as in Prometheus.</summary>
    public const int SamplesPerChunk = 120;

    private XorChunk? _open;
    private XorAppender? _openAppender;
    private long _openMinTime;
    private long _nextCut;
    private int _lock;

    public MemSeries(ulong reference, LabelSet labels)
    {
        Ref = reference;
        Labels = labels;
    }

    public ulong Ref { get; }

    public LabelSet Labels { get; }

    /// <summary>Closed (full) chunks in time order. Guarded by the series lock.</summary>
    public List<HeadChunk> Closed { get; } = new(1);

    /// <summary>Newest committed timestamp, or long.MinValue when empty.</summary>
    public long MaxTime { get; private set; } = long.MinValue;

    /// <summary>Oldest timestamp still held, or long.MaxValue when empty.</summary>
    public long MinTime => Closed.Count > 0 ? Closed[0].MinTime : _open is not null ? _openMinTime : long.MaxValue;

    /// <summary>Raw bits of the newest committed value.</summary>
    public ulong LastValueBits { get; private set; }

    /// <summary>Newest timestamp appended by an uncommitted batch (ordering within a batch).</summary>
    public long PendingMaxTime { get; set; } = long.MinValue;

    /// <summary>Set once the series record has been written to the WAL (0/1, interlocked).</summary>
    public int Logged;

    /// <summary>
    /// Takes the series' lock until the returned scope is disposed (<c>using (s.Acquire()) { ... }</c>); not re-entrant.
    /// </summary>
    /// <remarks>
    /// Note: a spin lock on a field instead of <c>lock (this)</c>: every append takes it, and a monitor costs a call into
    /// the runtime and a thread-id lookup per sample (10 % of a push in <c>perf</c>). It is held only for a few field
    /// updates or one chunk snapshot, so a waiter spins briefly and then yields.
    /// </remarks>
    public SeriesLockScope Acquire()
    {
        if (Interlocked.CompareExchange(ref _lock, 1, 0) != 0)
        {
            AcquireContended();
        }
        return new SeriesLockScope(this);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void AcquireContended()
    {
        var spin = default(SpinWait);
        while (Volatile.Read(ref _lock) != 0 || Interlocked.CompareExchange(ref _lock, 1, 0) != 0)
        {
            spin.SpinOnce();
        }
    }

    internal void Release() => Volatile.Write(ref _lock, 0);

    /// <summary>Number of samples in the open chunk.</summary>
    public int OpenCount => _openAppender?.Count ?? 0;

    /// <summary>True when the series holds no samples.</summary>
    public bool IsEmpty => Closed.Count == 0 && _open is null;

    /// <summary>
    /// Appends a committed sample. Returns false (and changes nothing) when it is out of order; equal timestamp
    /// with equal value is accepted as a no-op. Caller holds the lock.
    /// </summary>
    public AppendCheck Append(long t, double v, long chunkRange)
    {
        ulong bits = BitConverter.DoubleToUInt64Bits(v);
        if (t <= MaxTime)
        {
            if (t == MaxTime)
            {
                return bits == LastValueBits ? AppendCheck.Duplicate : AppendCheck.DuplicateTimestamp;
            }
            return AppendCheck.OutOfOrder;
        }
        if (_open is null || _openAppender!.Count >= SamplesPerChunk || t >= _nextCut)
        {
            CutNewChunk(t, chunkRange);
        }
        _openAppender!.Append(t, v);
        MaxTime = t;
        LastValueBits = bits;
        return AppendCheck.Ok;
    }

    /// <summary>Checks whether a sample could be appended now (caller holds the lock).</summary>
    public AppendCheck Check(long t, double v)
    {
        long max = Math.Max(MaxTime, PendingMaxTime);
        if (t > max)
        {
            return AppendCheck.Ok;
        }
        if (t == MaxTime && t >= PendingMaxTime)
        {
            return BitConverter.DoubleToUInt64Bits(v) == LastValueBits ? AppendCheck.Duplicate : AppendCheck.DuplicateTimestamp;
        }
        return t == max ? AppendCheck.DuplicateTimestamp : AppendCheck.OutOfOrder;
    }

    private void CutNewChunk(long t, long chunkRange)
    {
        CloseOpenChunk();
        _open = new XorChunk(64);
        _openAppender = _open.Appender();
        _openMinTime = t;
        // Note: chunks never cross a block boundary, so head → block cutting moves whole chunks.
        _nextCut = (FloorDiv(t, chunkRange) + 1) * chunkRange;
    }

    private void CloseOpenChunk()
    {
        if (_open is not null)
        {
            _open.Trim();
            Closed.Add(new HeadChunk(_open, _openMinTime, MaxTime, _open.Count));
            _open = null;
            _openAppender = null;
        }
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : ((a + 1) / b) - 1;

    /// <summary>Snapshot of chunks overlapping [mint, maxt] for a reader (caller holds the lock).</summary>
    public int Snapshot(long mint, long maxt, List<ChunkView> into)
    {
        int n = 0;
        foreach (var c in Closed)
        {
            if (c.MaxTime >= mint && c.MinTime <= maxt)
            {
                into.Add(new ChunkView(c.Chunk.Buffer, c.Chunk.Length, c.Count, c.MinTime, c.MaxTime));
                n++;
            }
        }
        if (_open is not null && MaxTime >= mint && _openMinTime <= maxt)
        {
            into.Add(new ChunkView(_open.Buffer, _open.Length, _openAppender!.Count, _openMinTime, MaxTime));
            n++;
        }
        return n;
    }

    /// <summary>True when some chunk overlaps [mint, maxt] (caller holds the lock).</summary>
    public bool Overlaps(long mint, long maxt) => !IsEmpty && MinTime <= maxt && MaxTime >= mint;

    /// <summary>Drops closed chunks entirely before <paramref name="mint"/>; returns how many (caller holds the lock).</summary>
    public int TruncateBefore(long mint)
    {
        int removed = 0;
        while (Closed.Count > removed && Closed[removed].MaxTime < mint)
        {
            removed++;
        }
        if (removed > 0)
        {
            Closed.RemoveRange(0, removed);
        }
        if (_open is not null && MaxTime < mint)
        {
            _open = null;
            _openAppender = null;
            removed++;
        }
        return removed;
    }

    /// <summary>All chunks (closed and a copy of the open one) lying inside [mint, maxt] (caller holds the lock).</summary>
    public void ChunksIn(long mint, long maxt, List<HeadChunk> into)
    {
        foreach (var c in Closed)
        {
            if (c.MinTime >= mint && c.MaxTime <= maxt)
            {
                into.Add(c);
            }
        }
        if (_open is not null && _openMinTime >= mint && MaxTime <= maxt)
        {
            var copy = new XorChunk(_open.Bytes.ToArray());
            into.Add(new HeadChunk(copy, _openMinTime, MaxTime, copy.Count));
        }
    }

    /// <summary>Approximate bytes held by chunk buffers (caller holds the lock).</summary>
    public long ChunkBytes()
    {
        long b = 0;
        foreach (var c in Closed)
        {
            b += c.Chunk.Buffer.Length;
        }
        return b + (_open?.Buffer.Length ?? 0);
    }
}

/// <summary>Holds a <see cref="MemSeries"/> lock until disposed.</summary>
internal readonly ref struct SeriesLockScope(MemSeries series)
{
    public void Dispose() => series.Release();
}

/// <summary>Result of an ordering check.</summary>
internal enum AppendCheck
{
    Ok,
    Duplicate,
    DuplicateTimestamp,
    OutOfOrder,
}

/// <summary>An immutable closed chunk with its time bounds (inclusive).</summary>
internal readonly record struct HeadChunk(XorChunk Chunk, long MinTime, long MaxTime, int Count);

/// <summary>A reader's view of a chunk: buffer, encoded length, sample count at snapshot time and bounds.</summary>
internal readonly record struct ChunkView(byte[] Buffer, int Length, int Count, long MinTime, long MaxTime);
