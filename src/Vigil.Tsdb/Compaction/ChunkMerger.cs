using Vigil.Core.Labels;
using Vigil.Tsdb.Blocks;
using Vigil.Tsdb.Chunks;

namespace Vigil.Tsdb.Compaction;

/// <summary>Turns the time-sorted chunks of one series from several blocks into a disjoint chunk list.</summary>
/// <remarks>
/// Chunks that overlap nothing are passed on as they are (the block writer re-encodes them); each group of overlapping
/// chunks is merged sample by sample. Not thread-safe.
/// </remarks>
internal sealed class ChunkMerger(IReadOnlyList<Block> sources)
{
    private readonly List<ChunkIterator> _iterators = new();
    private readonly List<int> _priority = new();
    private readonly List<bool> _has = new();

    /// <summary>The merged chunks; <paramref name="chunks"/> is sorted by (min time, source index).</summary>
    public List<ChunkMeta> Merge(LabelSet labels, List<(ChunkRefMeta Chunk, int Source)> chunks)
    {
        var result = new List<ChunkMeta>(chunks.Count);
        int i = 0;
        while (i < chunks.Count)
        {
            long end = chunks[i].Chunk.MaxTime;
            int j = i + 1;
            while (j < chunks.Count && chunks[j].Chunk.MinTime <= end)
            {
                end = Math.Max(end, chunks[j].Chunk.MaxTime);
                j++;
            }
            if (j == i + 1)
            {
                var (c, s) = chunks[i];
                var data = sources[s].ChunkReader.Read(c.Ref, out var encoding);
                result.Add(new ChunkMeta(c.MinTime, c.MaxTime, data.ToArray(), encoding));
            }
            else
            {
                MergeOverlapping(labels, chunks, i, j, result);
            }
            i = j;
        }
        return result;
    }

    private void MergeOverlapping(LabelSet labels, List<(ChunkRefMeta Chunk, int Source)> chunks, int from, int to, List<ChunkMeta> result)
    {
        int n = to - from;
        while (_iterators.Count < n)
        {
            _iterators.Add(new ChunkIterator());
            _priority.Add(0);
            _has.Add(false);
        }
        for (int k = 0; k < n; k++)
        {
            var (c, s) = chunks[from + k];
            var data = sources[s].ChunkReader.Read(c.Ref, out var encoding);
            _iterators[k].Reset(data, encoding);
            _priority[k] = s;
            _has[k] = Advance(k, labels, c, s);
        }

        XorChunk? chunk = null;
        XorAppender? app = null;
        long first = 0, last = 0;
        while (true)
        {
            int best = -1;
            for (int k = 0; k < n; k++)
            {
                if (_has[k] && (best < 0 || _iterators[k].T < _iterators[best].T ||
                    (_iterators[k].T == _iterators[best].T && _priority[k] < _priority[best])))
                {
                    best = k;
                }
            }
            if (best < 0)
            {
                break;
            }
            long t = _iterators[best].T;
            double v = _iterators[best].V;
            // Drop duplicates of this timestamp from every other chunk.
            for (int k = 0; k < n; k++)
            {
                if (_has[k] && _iterators[k].T == t)
                {
                    var (c, s) = chunks[from + k];
                    _has[k] = Advance(k, labels, c, s);
                }
            }
            if (app is null || app.Count >= Compactor.SamplesPerChunk)
            {
                if (chunk is not null)
                {
                    result.Add(new ChunkMeta(first, last, chunk));
                }
                chunk = new XorChunk();
                app = chunk.Appender();
                first = t;
            }
            app.Append(t, v);
            last = t;
        }
        if (chunk is not null)
        {
            result.Add(new ChunkMeta(first, last, chunk));
        }
    }

    private bool Advance(int k, LabelSet labels, ChunkRefMeta c, int source)
    {
        var it = _iterators[k];
        if (it.Next())
        {
            return true;
        }
        if (it.Error is not null)
        {
            var (path, offset) = sources[source].ChunkReader.Locate(c.Ref);
            throw new BlockCorruptedException(path, offset, $"series {labels}: {it.Error.Message}", it.Error);
        }
        return false;
    }
}
