using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Labels;
using Vigil.Tsdb.Blocks;
using Vigil.Tsdb.Chunks;

namespace Vigil.Tsdb.Compaction;

/// <summary>
/// Leveled compaction as in Prometheus: plans which adjacent blocks to merge (2 h → 6 h → 18 h → 54 h …, overlapping
/// blocks first), merges them into one new block, and deletes blocks crash-safely.
/// </summary>
/// <remarks>
/// Thread-safe: <see cref="Plan"/> is pure; concurrent <see cref="Compact"/> calls must not share source blocks (the DB
/// runs one compaction at a time). A compaction writes the new block atomically (see <see cref="BlockWriter"/>) and
/// records its parents; the caller then deletes the parents with <see cref="DeleteAsync"/>. A crash in between is
/// resolved at the next start-up by <see cref="BlockDirectory.OpenBlocks"/>.
/// </remarks>
public sealed partial class Compactor
{
    /// <summary>Samples per chunk when overlapping chunks are re-encoded.</summary>
    public const int SamplesPerChunk = 120;

    private readonly ILogger _logger;
    private readonly BlockWriter _writer;

    /// <summary>Creates a compactor writing with <paramref name="writer"/> (a default writer when null).</summary>
    public Compactor(ILogger? logger = null, BlockWriter? writer = null)
    {
        _logger = logger ?? NullLogger.Instance;
        _writer = writer ?? new BlockWriter(_logger);
    }

    /// <summary>
    /// Block ranges growing by <paramref name="factor"/>: <c>ExponentialRanges(2h, 10, 3)</c> gives 2 h, 6 h, 18 h,
    /// 54 h, … as Prometheus's defaults. Milliseconds.
    /// </summary>
    public static long[] ExponentialRanges(long minSize, int steps, long factor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 2);
        var ranges = new long[steps];
        long r = minSize;
        for (int i = 0; i < steps; i++)
        {
            ranges[i] = r;
            r = checked(r * factor);
        }
        return ranges;
    }

    /// <summary>
    /// The blocks to compact next into one block, or an empty list. Overlapping blocks come first (all of the first
    /// overlapping group). Otherwise, ignoring the newest block (it may still have a neighbour coming), the first
    /// group of at least two blocks that falls into one aligned range of <paramref name="ranges"/>[1..] and either
    /// fills it or lies entirely before the newest remaining block.
    /// </summary>
    /// <param name="blocks">Metas of all blocks, any order.</param>
    /// <param name="ranges">Block ranges in milliseconds, ascending; <c>ranges[0]</c> is the head's block size.</param>
    public static IReadOnlyList<BlockMeta> Plan(IReadOnlyList<BlockMeta> blocks, IReadOnlyList<long> ranges)
    {
        if (blocks.Count == 0)
        {
            return [];
        }
        var sorted = blocks.OrderBy(static b => b.MinTime).ThenBy(static b => b.Ulid).ToList();
        var overlapping = OverlappingGroup(sorted);
        if (overlapping.Count > 0)
        {
            return overlapping;
        }
        sorted.RemoveAt(sorted.Count - 1);
        if (sorted.Count == 0 || ranges.Count < 2)
        {
            return [];
        }
        long highTime = sorted[^1].MinTime;
        for (int r = 1; r < ranges.Count; r++)
        {
            long range = ranges[r];
            foreach (var group in SplitByRange(sorted, range))
            {
                long mint = group[0].MinTime;
                long maxt = group[^1].MaxTime;
                if (group.Count > 1 && (maxt - mint == range || maxt <= highTime))
                {
                    return group;
                }
            }
        }
        return [];
    }

    private static List<BlockMeta> OverlappingGroup(List<BlockMeta> sorted)
    {
        var group = new List<BlockMeta>();
        if (sorted.Count < 2)
        {
            return group;
        }
        long maxt = sorted[0].MaxTime;
        for (int i = 1; i < sorted.Count; i++)
        {
            var b = sorted[i];
            if (b.MinTime < maxt)
            {
                if (group.Count == 0)
                {
                    group.Add(sorted[i - 1]);
                }
                group.Add(b);
            }
            else if (group.Count > 0)
            {
                break;
            }
            maxt = Math.Max(maxt, b.MaxTime);
        }
        return group;
    }

    /// <summary>Groups consecutive blocks lying within one aligned window [k·range, (k+1)·range); blocks larger than their window are skipped.</summary>
    private static List<List<BlockMeta>> SplitByRange(List<BlockMeta> sorted, long range)
    {
        var groups = new List<List<BlockMeta>>();
        int i = 0;
        while (i < sorted.Count)
        {
            long start = FloorDiv(sorted[i].MinTime, range) * range;
            if (sorted[i].MaxTime > start + range)
            {
                i++;
                continue;
            }
            var group = new List<BlockMeta>();
            while (i < sorted.Count && sorted[i].MaxTime <= start + range)
            {
                group.Add(sorted[i]);
                i++;
            }
            groups.Add(group);
        }
        return groups;
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : ((a - b + 1) / b);

    /// <summary>
    /// Merges <paramref name="sources"/> into one new block in <paramref name="dataDir"/> and returns its meta. Series
    /// with equal labels are combined; their chunks are kept as they are when they do not overlap in time, and
    /// overlapping chunks are decoded, merged with duplicates removed (on equal timestamps the block listed first in
    /// <paramref name="sources"/> wins) and re-encoded in chunks of <see cref="SamplesPerChunk"/> samples.
    /// The sources stay open and on disk; delete them with <see cref="DeleteAsync"/> once the caller has swapped blocks.
    /// Throws <see cref="BlockCorruptedException"/> when a source chunk is damaged (nothing is written then).
    /// </summary>
    public BlockMeta Compact(string dataDir, IReadOnlyList<Block> sources, CancellationToken cancellationToken = default)
    {
        if (sources.Count == 0)
        {
            throw new ArgumentException("compaction needs at least one source block", nameof(sources));
        }
        int acquired = 0;
        try
        {
            foreach (var b in sources)
            {
                if (!b.TryAcquire())
                {
                    throw new ObjectDisposedException(nameof(Block), $"source block {b.Meta.Ulid} is closed");
                }
                acquired++;
            }
            var sw = Stopwatch.StartNew();
            var ulid = Ulid.NewUlid();
            var metas = sources.Select(static s => s.Meta).ToList();
            var lineage = new BlockCompaction(
                metas.Max(static m => m.Compaction.Level) + 1,
                [.. metas.SelectMany(static m => m.Compaction.Sources).Distinct().Order()],
                [.. metas.Select(static m => new BlockParent(m.Ulid, m.MinTime, m.MaxTime))]);
            long mint = metas.Min(static m => m.MinTime);
            long maxt = metas.Max(static m => m.MaxTime);
            var meta = _writer.Write(dataDir, MergeSeries(sources), mint, maxt, ulid, lineage, cancellationToken);
            LogCompacted(ulid, sources.Count, string.Join(", ", metas.Select(static m => m.Ulid.ToString())), meta.Stats.NumSamples, sw.ElapsedMilliseconds);
            return meta;
        }
        finally
        {
            for (int i = 0; i < acquired; i++)
            {
                sources[i].Release();
            }
        }
    }

    /// <summary>
    /// Deletes a block once nothing reads it: disposes it, waits until its last querier is disposed, then renames its
    /// directory to <c>*.tmp-for-deletion</c> and removes it, so a crash never leaves a half-deleted block looking valid.
    /// The caller must already have removed the block from the set new queriers use.
    /// </summary>
    public async Task DeleteAsync(Block block)
    {
        block.Dispose();
        await block.Closed.ConfigureAwait(false);
        BlockDirectory.Delete(block.Directory, _logger);
    }

    private static IEnumerable<BlockSeries> MergeSeries(IReadOnlyList<Block> sources)
    {
        var cursors = new SourceCursor[sources.Count];
        for (int i = 0; i < cursors.Length; i++)
        {
            cursors[i] = new SourceCursor(sources[i]);
            cursors[i].MoveNext();
        }
        var merger = new ChunkMerger(sources);
        var pending = new List<(ChunkRefMeta Chunk, int Source)>();
        while (true)
        {
            LabelSet? min = null;
            foreach (var c in cursors)
            {
                if (c.Has && (min is null || LabelSet.Compare(c.Labels, min) < 0))
                {
                    min = c.Labels;
                }
            }
            if (min is null)
            {
                yield break;
            }
            pending.Clear();
            for (int i = 0; i < cursors.Length; i++)
            {
                var c = cursors[i];
                if (c.Has && c.Labels.Equals(min))
                {
                    foreach (var chunk in c.Chunks)
                    {
                        pending.Add((chunk, i));
                    }
                    c.MoveNext();
                }
            }
            pending.Sort(static (a, b) => a.Chunk.MinTime != b.Chunk.MinTime ? a.Chunk.MinTime.CompareTo(b.Chunk.MinTime) : a.Source.CompareTo(b.Source));
            yield return new BlockSeries(min, merger.Merge(min, pending));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Compacted {Count} blocks ({Sources}) into block {Ulid}: {Samples} samples in {ElapsedMs} ms")]
    private partial void LogCompacted(Ulid ulid, int count, string sources, long samples, long elapsedMs);

    /// <summary>Walks all series of one source block in label order.</summary>
    private sealed class SourceCursor(Block block)
    {
        private readonly ulong[] _postings = block.IndexReader.AllPostings();
        private int _i = -1;

        public bool Has { get; private set; }

        public LabelSet Labels { get; private set; } = LabelSet.Empty;

        public List<ChunkRefMeta> Chunks { get; } = new();

        public void MoveNext()
        {
            Has = ++_i < _postings.Length;
            if (!Has)
            {
                return;
            }
            ulong r = _postings[_i];
            Labels = block.IndexReader.ReadLabels(r);
            Chunks.Clear();
            block.IndexReader.ReadChunks(r, Chunks);
        }
    }
}
