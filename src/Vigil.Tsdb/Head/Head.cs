using System.Collections.Concurrent;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Tsdb.Index;

namespace Vigil.Tsdb.Head;

/// <summary>
/// The in-memory, mutable part of the TSDB: recent samples of every active series in Gorilla chunks, with an inverted
/// index for selection. Older data is cut into immutable blocks and truncated from the head.
/// </summary>
/// <remarks>
/// Thread-safe: any number of appenders and queriers may run concurrently. Series get a stable reference on first
/// append. Timestamps are milliseconds since the epoch.
/// </remarks>
public sealed class Head : IAppendable, ISampleQueryable
{
    private readonly ConcurrentDictionary<LabelSet, MemSeries> _byLabels = new();
    private readonly ConcurrentDictionary<ulong, MemSeries> _byRef = new();
    private readonly MemPostings _postings = new();
    private long _lastRef;
    private long _minTime = long.MaxValue;
    private long _maxTime = long.MinValue;
    private long _minValidTime = long.MinValue;
    private readonly AppenderBuffers?[] _appenderBuffers = new AppenderBuffers?[Math.Min(Environment.ProcessorCount * 2, 64)];

    internal Head(long chunkRange, IHeadLog? log)
    {
        ChunkRange = chunkRange;
        Log = log;
    }

    /// <summary>Creates a head without a write-ahead log (tests, benchmarks, import).</summary>
    public Head(long chunkRange = 2 * 3600 * 1000)
        : this(chunkRange, null)
    {
    }

    /// <summary>The block range in ms (default 2 h); chunks never cross a multiple of it.</summary>
    public long ChunkRange { get; }

    /// <summary>The default of <see cref="MaxFutureMs"/>: 10 minutes.</summary>
    public const long DefaultMaxFutureMs = 10 * 60 * 1000;

    /// <summary>
    /// How far ahead of <see cref="Clock"/> a sample may lie, in ms (default 10 minutes); later samples are refused with
    /// <see cref="AppendError.TooFarInFuture"/>, so one mistaken timestamp (seconds read as milliseconds, nanoseconds)
    /// cannot push the head's time range into the future.
    /// </summary>
    public long MaxFutureMs { get; init; } = DefaultMaxFutureMs;

    /// <summary>The wall clock that bounds future timestamps.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>The newest timestamp an append may carry now: the clock plus <see cref="MaxFutureMs"/>.</summary>
    public long MaxValidTime
    {
        get
        {
            long now = Clock.GetUtcNow().ToUnixTimeMilliseconds();
            return MaxFutureMs >= long.MaxValue - now ? long.MaxValue : now + MaxFutureMs;
        }
    }

    internal IHeadLog? Log { get; set; }

    internal MemPostings Postings => _postings;

    /// <summary>Counters.</summary>
    public HeadStats Stats { get; } = new();

    /// <summary>Number of series in the head.</summary>
    public int SeriesCount => _byRef.Count;

    /// <summary>Oldest sample timestamp in the head, or long.MaxValue when empty.</summary>
    public long MinTime => Interlocked.Read(ref _minTime);

    /// <summary>Newest sample timestamp in the head, or long.MinValue when empty.</summary>
    public long MaxTime => Interlocked.Read(ref _maxTime);

    /// <summary>Samples older than this are refused (data before it has been persisted to blocks).</summary>
    public long MinValidTime
    {
        get => Interlocked.Read(ref _minValidTime);
        internal set => Interlocked.Exchange(ref _minValidTime, value);
    }

    /// <summary>The highest series reference handed out.</summary>
    internal ulong LastRef => (ulong)Interlocked.Read(ref _lastRef);

    /// <inheritdoc />
    public IAppender Appender() => new HeadAppender(this);

    /// <inheritdoc />
    public IQuerier Querier(long mint, long maxt) => new HeadQuerier(this, mint, maxt);

    /// <summary>Pending-sample lists for an appender: a pooled pair or a new one.</summary>
    internal AppenderBuffers RentAppenderBuffers()
    {
        for (int i = 0; i < _appenderBuffers.Length; i++)
        {
            if (Volatile.Read(ref _appenderBuffers[i]) is not null && Interlocked.Exchange(ref _appenderBuffers[i], null) is { } b)
            {
                return b;
            }
        }
        return new AppenderBuffers();
    }

    /// <summary>Empties <paramref name="buffers"/> and keeps them for a later appender when there is room and they are not huge.</summary>
    internal void ReturnAppenderBuffers(AppenderBuffers buffers)
    {
        if (buffers.Samples.Capacity > AppenderBuffers.MaxRetained || buffers.Touched.Capacity > AppenderBuffers.MaxRetained)
        {
            return;
        }
        // Note: cleared so that pooled lists hold no series (or their chunks) alive.
        buffers.Samples.Clear();
        buffers.Touched.Clear();
        for (int i = 0; i < _appenderBuffers.Length; i++)
        {
            if (Interlocked.CompareExchange(ref _appenderBuffers[i], buffers, null) is null)
            {
                return;
            }
        }
    }

    internal MemSeries? ByRef(ulong reference) => _byRef.TryGetValue(reference, out var s) ? s : null;

    internal MemSeries GetOrCreate(LabelSet labels, out bool created)
    {
        if (_byLabels.TryGetValue(labels, out var existing))
        {
            created = false;
            return existing;
        }
        var fresh = new MemSeries((ulong)Interlocked.Increment(ref _lastRef), labels);
        var s = _byLabels.GetOrAdd(labels, fresh);
        created = ReferenceEquals(s, fresh);
        if (created)
        {
            _byRef[s.Ref] = s;
            _postings.Add(s.Ref, labels);
            Interlocked.Increment(ref Stats._seriesCreated);
        }
        return s;
    }

    /// <summary>Re-creates a series with a known reference during WAL replay.</summary>
    internal MemSeries Restore(ulong reference, LabelSet labels)
    {
        if (_byLabels.TryGetValue(labels, out var existing))
        {
            return existing;
        }
        var s = new MemSeries(reference, labels) { Logged = 1 };
        _byLabels[labels] = s;
        _byRef[reference] = s;
        _postings.Add(reference, labels);
        long cur;
        while ((cur = Interlocked.Read(ref _lastRef)) < (long)reference)
        {
            Interlocked.CompareExchange(ref _lastRef, (long)reference, cur);
        }
        Interlocked.Increment(ref Stats._seriesCreated);
        return s;
    }

    /// <summary>Makes later series references start after <paramref name="reference"/> (one seen in the WAL, even of a lost series).</summary>
    internal void ReserveRefsUpTo(ulong reference)
    {
        long cur;
        while ((cur = Interlocked.Read(ref _lastRef)) < (long)reference)
        {
            Interlocked.CompareExchange(ref _lastRef, (long)reference, cur);
        }
    }

    internal void UpdateTimeBounds(long mint, long maxt)
    {
        long cur;
        while (mint < (cur = Interlocked.Read(ref _minTime)))
        {
            if (Interlocked.CompareExchange(ref _minTime, mint, cur) == cur)
            {
                break;
            }
        }
        while (maxt > (cur = Interlocked.Read(ref _maxTime)))
        {
            if (Interlocked.CompareExchange(ref _maxTime, maxt, cur) == cur)
            {
                break;
            }
        }
    }

    /// <summary>All series, for block writing and truncation (snapshot, unordered).</summary>
    internal ICollection<MemSeries> AllSeries() => _byRef.Values;

    /// <summary>
    /// Drops all data before <paramref name="mint"/> (already persisted in blocks), removes series left empty and
    /// refuses later appends older than it. Returns the references of removed series.
    /// </summary>
    internal HashSet<ulong> Truncate(long mint)
    {
        MinValidTime = Math.Max(MinValidTime, mint);
        var removed = new List<MemSeries>();
        long newMin = long.MaxValue;
        foreach (var s in _byRef.Values)
        {
            using (s.Acquire())
            {
                int chunks = s.TruncateBefore(mint);
                if (chunks > 0)
                {
                    Interlocked.Add(ref Stats._chunksRemoved, chunks);
                }
                if (s.IsEmpty && s.PendingMaxTime == long.MinValue)
                {
                    removed.Add(s);
                }
                else if (!s.IsEmpty)
                {
                    newMin = Math.Min(newMin, s.MinTime);
                }
            }
        }
        foreach (var s in removed)
        {
            _byLabels.TryRemove(new KeyValuePair<LabelSet, MemSeries>(s.Labels, s));
            _byRef.TryRemove(s.Ref, out _);
        }
        _postings.Remove(removed);
        Interlocked.Add(ref Stats._seriesRemoved, removed.Count);
        Interlocked.Exchange(ref _minTime, newMin == long.MaxValue ? Math.Max(mint, Math.Min(MaxTime, long.MaxValue)) : newMin);
        return removed.Select(s => s.Ref).ToHashSet();
    }

    /// <summary>Approximate bytes held in chunk buffers.</summary>
    public long ChunkBytes()
    {
        long total = 0;
        foreach (var s in _byRef.Values)
        {
            using (s.Acquire())
            {
                total += s.ChunkBytes();
            }
        }
        return total;
    }

    /// <summary>
    /// The head's series with their chunks lying in [<paramref name="mint"/>, <paramref name="maxtExclusive"/>), sorted
    /// by labels, ready for <see cref="Blocks.BlockWriter"/>. Chunks never cross a block boundary, so this takes whole chunks.
    /// </summary>
    public IEnumerable<Blocks.BlockSeries> SeriesForBlock(long mint, long maxtExclusive)
    {
        var series = _byRef.Values.ToList();
        series.Sort(static (a, b) => LabelSet.Compare(a.Labels, b.Labels));
        var chunks = new List<HeadChunk>();
        foreach (var s in series)
        {
            chunks.Clear();
            using (s.Acquire())
            {
                s.ChunksIn(mint, maxtExclusive - 1, chunks);
            }
            if (chunks.Count > 0)
            {
                yield return new Blocks.BlockSeries(s.Labels, chunks.Select(c => new Chunks.ChunkMeta(c.MinTime, c.MaxTime, c.Chunk)).ToList());
            }
        }
    }

    /// <summary>Resolves matchers to head series (unsorted).</summary>
    internal List<MemSeries> Select(IReadOnlyList<LabelMatcher> matchers)
    {
        var refs = PostingsForMatchers.Resolve(_postings, matchers);
        var result = new List<MemSeries>(refs.Length);
        foreach (var r in refs)
        {
            if (_byRef.TryGetValue(r, out var s))
            {
                result.Add(s);
            }
        }
        return result;
    }
}
