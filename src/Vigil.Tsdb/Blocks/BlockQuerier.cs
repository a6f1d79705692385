using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Tsdb.Chunks;
using Vigil.Tsdb.Index;

namespace Vigil.Tsdb.Blocks;

/// <summary>Reads one block over an inclusive time range; pins the block until disposed.</summary>
/// <remarks>Use from one thread at a time. Series come in label order because series references are assigned in label order.</remarks>
internal sealed class BlockQuerier : IQuerier
{
    private readonly Block _block;
    private int _disposed;

    public BlockQuerier(Block block, long mint, long maxt)
    {
        _block = block;
        MinTime = mint;
        MaxTime = maxt;
    }

    /// <inheritdoc />
    public long MinTime { get; }

    /// <inheritdoc />
    public long MaxTime { get; }

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    internal Block Block => _block;

    /// <inheritdoc />
    public ISeriesSet Select(bool sortSeries, SelectHints? hints, params LabelMatcher[] matchers)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        long mint = MinTime, maxt = MaxTime;
        if (hints is not null && hints.Start <= hints.End)
        {
            mint = Math.Max(mint, hints.Start);
            maxt = Math.Min(maxt, hints.End);
        }
        if (mint > maxt || !_block.Meta.Overlaps(mint, maxt))
        {
            return SeriesSets.Empty();
        }
        ulong[] postings;
        try
        {
            postings = PostingsForMatchers.Resolve(_block.IndexReader, matchers);
        }
        catch (BlockCorruptedException e)
        {
            return SeriesSets.Failed(e);
        }
        return new BlockSeriesSet(this, postings, mint, maxt);
    }

    /// <inheritdoc />
    public IReadOnlyList<string> LabelValues(string name, params LabelMatcher[] matchers)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var index = _block.IndexReader;
        if (matchers.Length == 0)
        {
            return index.LabelValues(name);
        }
        var values = new SortedSet<string>(StringComparer.Ordinal);
        foreach (ulong r in PostingsForMatchers.Resolve(index, matchers))
        {
            string v = index.ReadLabels(r).Get(name);
            if (v.Length != 0)
            {
                values.Add(v);
            }
        }
        return [.. values];
    }

    /// <inheritdoc />
    public IReadOnlyList<string> LabelNames(params LabelMatcher[] matchers)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var index = _block.IndexReader;
        if (matchers.Length == 0)
        {
            return index.LabelNames();
        }
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (ulong r in PostingsForMatchers.Resolve(index, matchers))
        {
            foreach (var l in index.ReadLabels(r).AsSpan())
            {
                names.Add(l.Name);
            }
        }
        return [.. names];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _block.Release();
        }
    }
}

/// <summary>Walks a postings list, yielding the series with at least one chunk in range.</summary>
internal sealed class BlockSeriesSet : ISeriesSet
{
    private readonly BlockQuerier _querier;
    private readonly IndexReader _index;
    private readonly ulong[] _postings;
    private readonly long _mint;
    private readonly long _maxt;
    private readonly List<ChunkRefMeta> _scratch = new();
    private int _i = -1;
    private ISeries? _current;

    public BlockSeriesSet(BlockQuerier querier, ulong[] postings, long mint, long maxt)
    {
        _querier = querier;
        _index = querier.Block.IndexReader;
        _postings = postings;
        _mint = mint;
        _maxt = maxt;
    }

    public ISeries Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true");

    public Exception? Error { get; private set; }

    public IReadOnlyList<string> Warnings => [];

    public bool MoveNext()
    {
        if (Error is not null)
        {
            return false;
        }
        if (_querier.IsDisposed)
        {
            Error = new ObjectDisposedException(nameof(BlockQuerier), "the querier was disposed while its series set was in use");
            return false;
        }
        try
        {
            while (++_i < _postings.Length)
            {
                ulong seriesRef = _postings[_i];
                _scratch.Clear();
                _index.ReadChunks(seriesRef, _scratch);
                // Chunks are sorted and disjoint, so those in range are contiguous.
                int first = 0;
                while (first < _scratch.Count && _scratch[first].MaxTime < _mint)
                {
                    first++;
                }
                int end = first;
                while (end < _scratch.Count && _scratch[end].MinTime <= _maxt)
                {
                    end++;
                }
                if (end == first)
                {
                    continue;
                }
                var chunks = new ChunkRefMeta[end - first];
                _scratch.CopyTo(first, chunks, 0, chunks.Length);
                _current = new BlockQuerySeries(_querier, _index.ReadLabels(seriesRef), chunks, _mint, _maxt);
                return true;
            }
            _i = _postings.Length;
            return false;
        }
        catch (BlockCorruptedException e)
        {
            Error = e;
            return false;
        }
    }
}

/// <summary>One series of a block query: labels and the chunks overlapping the range.</summary>
internal sealed class BlockQuerySeries(BlockQuerier querier, LabelSet labels, ChunkRefMeta[] chunks, long mint, long maxt) : ISeries
{
    public LabelSet Labels { get; } = labels;

    public ISampleIterator Iterator(ISampleIterator? reuse = null)
    {
        var it = reuse as BlockSampleIterator ?? new BlockSampleIterator();
        it.Reset(querier, chunks, mint, maxt);
        return it;
    }
}
