using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.Tsdb.Blocks;
using Vigil.Tsdb.Chunks;
using Vigil.Tsdb.Compaction;
using Vigil.Tsdb.Tests.Blocks;
using static Vigil.Tsdb.Tests.Blocks.BlockTestData;

namespace Vigil.Tsdb.Tests.Compaction;

public class CompactorTests
{
    private const long T0 = 1_700_006_400_000; // aligned to 2 h
    private static readonly long[] Ranges = Compactor.ExponentialRanges(2 * Hour, 4, 3);

    private static BlockMeta Meta(long minHours, long maxHours)
        => new(Ulid.NewUlid(), minHours * Hour, maxHours * Hour, new BlockStats(1, 1, 1), new BlockCompaction(1, [], []));

    [Fact]
    public void ExponentialRanges_TwoHoursTimesThree_GivesPrometheusDefaults()
    {
        Assert.Equal([2 * Hour, 6 * Hour, 18 * Hour, 54 * Hour], Ranges);
    }

    [Fact]
    public void Plan_ThreeFullTwoHourBlocksAndNewest_PicksTheThree()
    {
        var blocks = new[] { Meta(0, 2), Meta(2, 4), Meta(4, 6), Meta(6, 8) };
        Assert.Equal(blocks[..3], Compactor.Plan(blocks.Reverse().ToList(), Ranges));
    }

    [Fact]
    public void Plan_RangeCouldStillGrow_PicksNothing()
    {
        var blocks = new[] { Meta(0, 2), Meta(2, 4), Meta(4, 6) };
        // The newest block is never compacted, and [0, 4h) could still get its third block.
        Assert.Empty(Compactor.Plan(blocks, Ranges));
        Assert.Empty(Compactor.Plan([Meta(0, 2)], Ranges));
        Assert.Empty(Compactor.Plan([], Ranges));
    }

    [Fact]
    public void Plan_GapBeforeNewerBlocks_CompactsPartialRange()
    {
        var blocks = new[] { Meta(0, 2), Meta(2, 4), Meta(6, 8), Meta(8, 10) };
        Assert.Equal(blocks[..2], Compactor.Plan(blocks, Ranges));
    }

    [Fact]
    public void Plan_OverlappingBlocks_ComeFirst()
    {
        var blocks = new[] { Meta(0, 2), Meta(2, 4), Meta(3, 5), Meta(6, 8), Meta(8, 10) };
        Assert.Equal(blocks[1..3], Compactor.Plan(blocks, Ranges));
    }

    [Fact]
    public void Plan_ThreeSixHourBlocks_PicksEighteenHourRange()
    {
        var blocks = new[] { Meta(0, 6), Meta(6, 12), Meta(12, 18), Meta(18, 20) };
        Assert.Equal(blocks[..3], Compactor.Plan(blocks, Ranges));
    }

    private static List<(LabelSet, List<Sample>)> BlockData(long mint, int block)
    {
        var data = new List<(LabelSet, List<Sample>)>();
        for (int i = 0; i < 20; i++)
        {
            // Series 0..9 live in every block; series 10+ only in some, so the union differs from each part.
            if (i >= 10 && i % 3 != block)
            {
                continue;
            }
            var labels = LabelSet.Of("__name__", "m", "i", i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture));
            data.Add((labels, Regular(mint + (i * 100), mint + (2 * Hour), 15_000, t => (t / 15_000) + i)));
        }
        return data;
    }

    private static Dictionary<LabelSet, List<Sample>> Union(params List<(LabelSet, List<Sample>)>[] parts)
    {
        var map = new Dictionary<LabelSet, List<Sample>>();
        foreach (var part in parts)
        {
            foreach (var (l, s) in part)
            {
                if (!map.TryGetValue(l, out var list))
                {
                    map[l] = list = new List<Sample>();
                }
                list.AddRange(s);
            }
        }
        foreach (var list in map.Values)
        {
            list.Sort((a, b) => a.T.CompareTo(b.T));
        }
        return map;
    }

    private static void AssertBlockHolds(Block block, Dictionary<LabelSet, List<Sample>> expected)
    {
        using var q = block.Querier(long.MinValue / 2, long.MaxValue / 2);
        var got = Read(q);
        Assert.Equal(expected.Keys.Order(), got.Select(g => g.Labels));
        foreach (var (labels, samples) in got)
        {
            AssertSamplesEqual(expected[labels], samples, labels.ToString());
        }
    }

    [Fact]
    public void Compact_ThreeTwoHourBlocks_SixHourBlockEqualsTheUnion()
    {
        using var tmp = new TempDir();
        var parts = Enumerable.Range(0, 3).Select(b => BlockData(T0 + (b * 2 * Hour), b)).ToArray();
        var sources = parts.Select((p, b) => WriteAndOpen(tmp.Path, p, T0 + (b * 2 * Hour), T0 + ((b + 1) * 2 * Hour))).ToList();
        try
        {
            var meta = new Compactor().Compact(tmp.Path, sources);
            Assert.Equal(T0, meta.MinTime);
            Assert.Equal(T0 + (6 * Hour), meta.MaxTime);
            Assert.Equal(2, meta.Compaction.Level);
            Assert.Equal(sources.Select(s => s.Meta.Ulid).Order(), meta.Compaction.Sources);
            Assert.Equal(sources.Select(s => new BlockParent(s.Meta.Ulid, s.Meta.MinTime, s.Meta.MaxTime)), meta.Compaction.Parents);
            Assert.Equal(sources.Sum(s => s.Meta.Stats.NumSamples), meta.Stats.NumSamples);
            // Each series' 1,440 samples (3 × 2 h at 15 s) are re-cut into two block chunks; series 10+ have one source each.
            Assert.Equal((10 * 2) + 10, meta.Stats.NumChunks);
            Assert.Equal(20, meta.Stats.NumSeries);
            using var merged = Block.Open(Path.Combine(tmp.Path, meta.Ulid.ToString()));
            AssertBlockHolds(merged, Union(parts));

            // The next level keeps its lineage: level 3, same level-1 sources.
            var again = new Compactor().Compact(tmp.Path, [merged]);
            Assert.Equal(3, again.Compaction.Level);
            Assert.Equal(meta.Compaction.Sources, again.Compaction.Sources);
        }
        finally
        {
            sources.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public void Compact_OldFormatXorBlocks_RewritesThemInTheBlockEncodingBitExact()
    {
        using var tmp = new TempDir();
        var parts = Enumerable.Range(0, 3).Select(b => BlockData(T0 + (b * 2 * Hour), b)).ToArray();
        parts[1][0].Item2[3] = new Sample(parts[1][0].Item2[3].T, StaleMarker.StaleNaN);
        var sources = parts.Select((p, b) => WriteOldFormatAndOpen(tmp.Path, p, T0 + (b * 2 * Hour), T0 + ((b + 1) * 2 * Hour))).ToList();
        try
        {
            Assert.All(sources.SelectMany(ChunkEncodings), e => Assert.Equal(ChunkEncoding.Xor, e));
            var meta = new Compactor().Compact(tmp.Path, sources);
            using var merged = Block.Open(Path.Combine(tmp.Path, meta.Ulid.ToString()));
            Assert.All(ChunkEncodings(merged), e => Assert.Equal(ChunkEncoding.Block, e));
            AssertBlockHolds(merged, Union(parts));
            long oldBytes = sources.Sum(s => new DirectoryInfo(Path.Combine(s.Directory, "chunks")).EnumerateFiles().Sum(f => f.Length));
            long newBytes = new DirectoryInfo(Path.Combine(merged.Directory, "chunks")).EnumerateFiles().Sum(f => f.Length);
            Assert.True(newBytes < oldBytes, $"the rewritten chunks take {newBytes} bytes, the old ones {oldBytes}");
        }
        finally
        {
            sources.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public void Compact_OverlappingBlocks_MergesWithDedupFirstSourceWinning()
    {
        using var tmp = new TempDir();
        var labels = LabelSet.Of("__name__", "m");
        var a = Regular(T0, T0 + (2 * Hour), 30_000, t => 1.0);           // 240 samples
        var b = Regular(T0 + Hour, T0 + (3 * Hour), 20_000, t => 2.0);    // 360 samples, overlapping a's second hour
        using var blockA = WriteAndOpen(tmp.Path, [(labels, a)], T0, T0 + (2 * Hour));
        using var blockB = WriteAndOpen(tmp.Path, [(labels, b), (LabelSet.Of("__name__", "only_b"), b)], T0 + Hour, T0 + (3 * Hour));
        Assert.Equal([blockA.Meta, blockB.Meta], Compactor.Plan([blockB.Meta, blockA.Meta], Ranges));

        var meta = new Compactor().Compact(tmp.Path, [blockA, blockB]);
        using var merged = Block.Open(Path.Combine(tmp.Path, meta.Ulid.ToString()));
        var expected = new SortedDictionary<long, double>();
        foreach (var s in b)
        {
            expected[s.T] = s.V;
        }
        foreach (var s in a)
        {
            expected[s.T] = s.V; // a is listed first, so it wins on equal timestamps
        }
        using var q = merged.Querier(T0, T0 + (3 * Hour));
        var got = Read(q, LabelMatcher.MetricName("m")).Single().Samples;
        AssertSamplesEqual(expected.Select(kv => new Sample(kv.Key, kv.Value)).ToList(), got);
        Assert.Contains(got, s => s.T == T0 + Hour && s.V == 1.0);   // duplicate timestamp kept once, from a
        Assert.Equal(T0, meta.MinTime);
        Assert.Equal(T0 + (3 * Hour), meta.MaxTime);

        // Every chunk is a block chunk within the cut size, and chunks never overlap.
        var chunks = new List<Vigil.Tsdb.Chunks.ChunkRefMeta>();
        merged.IndexReader.ReadChunks(merged.IndexReader.Postings("__name__", "m").Single(), chunks);
        for (int i = 0; i < chunks.Count; i++)
        {
            var data = merged.ChunkReader.Read(chunks[i].Ref, out var encoding);
            Assert.Equal(ChunkEncoding.Block, encoding);
            Assert.True(BlockChunk.Count(data) <= BlockWriter.MaxSamplesPerChunk);
            Assert.True(i == 0 || chunks[i].MinTime > chunks[i - 1].MaxTime);
        }
    }

    [Fact]
    public void Compact_CrashBeforeRename_StartUpSeesOnlyOldBlocks()
    {
        using var tmp = new TempDir();
        var parts = Enumerable.Range(0, 3).Select(b => BlockData(T0 + (b * 2 * Hour), b)).ToArray();
        var sources = parts.Select((p, b) => WriteAndOpen(tmp.Path, p, T0 + (b * 2 * Hour), T0 + ((b + 1) * 2 * Hour))).ToList();
        var oldIds = sources.Select(s => s.Meta.Ulid).ToList();
        var meta = new Compactor().Compact(tmp.Path, sources);
        sources.ForEach(s => s.Dispose());
        // Put the new block back where a crash mid-write would have left it: a half-written temporary directory.
        string dir = Path.Combine(tmp.Path, meta.Ulid.ToString());
        string index = Path.Combine(dir, "index");
        File.WriteAllBytes(index, File.ReadAllBytes(index)[..100]);
        Directory.Move(dir, dir + BlockWriter.TmpForCreationSuffix);

        var blocks = BlockDirectory.OpenBlocks(tmp.Path);
        try
        {
            Assert.Equal(oldIds, blocks.Select(b => b.Meta.Ulid));
            for (int i = 0; i < 3; i++)
            {
                AssertBlockHolds(blocks[i], Union(parts[i]));
            }
            Assert.False(Directory.Exists(dir + BlockWriter.TmpForCreationSuffix));
        }
        finally
        {
            foreach (var b in blocks)
            {
                b.Dispose();
            }
        }
    }

    [Fact]
    public void Compact_CrashBeforeParentsDeleted_StartUpSeesOnlyNewBlock()
    {
        using var tmp = new TempDir();
        var parts = Enumerable.Range(0, 3).Select(b => BlockData(T0 + (b * 2 * Hour), b)).ToArray();
        var sources = parts.Select((p, b) => WriteAndOpen(tmp.Path, p, T0 + (b * 2 * Hour), T0 + ((b + 1) * 2 * Hour))).ToList();
        var meta = new Compactor().Compact(tmp.Path, sources);
        // Crash: the parents were never deleted; one was even half-way through deletion.
        sources.ForEach(s => s.Dispose());
        string first = sources[0].Directory;
        Directory.Move(first, first + BlockDirectory.TmpForDeletionSuffix);

        var blocks = BlockDirectory.OpenBlocks(tmp.Path);
        try
        {
            var only = Assert.Single(blocks);
            Assert.Equal(meta.Ulid, only.Meta.Ulid);
            AssertBlockHolds(only, Union(parts));
            Assert.Equal([meta.Ulid.ToString()], Directory.EnumerateDirectories(tmp.Path).Select(Path.GetFileName));
        }
        finally
        {
            foreach (var b in blocks)
            {
                b.Dispose();
            }
        }
    }

    [Fact]
    public async Task DeleteAsync_WithOpenQuerier_DeletesOnlyAfterQuerierDisposed()
    {
        using var tmp = new TempDir();
        var block = WriteAndOpen(tmp.Path, BlockData(T0, 0), T0, T0 + (2 * Hour));
        var q = block.Querier(T0, T0 + (2 * Hour));
        var deletion = new Compactor().DeleteAsync(block);
        await Task.Delay(50);
        Assert.False(deletion.IsCompleted);
        Assert.True(Directory.Exists(block.Directory));
        Assert.Equal(13, Read(q).Count); // still readable: series 0-9 plus 12, 15 and 18
        q.Dispose();
        await deletion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Path));
    }

    [Fact]
    public void Compact_DamagedSourceChunk_ThrowsAndWritesNothing()
    {
        using var tmp = new TempDir();
        var a = WriteAndOpen(tmp.Path, BlockData(T0, 0), T0, T0 + (2 * Hour));
        var b = WriteAndOpen(tmp.Path, BlockData(T0 + (2 * Hour), 1), T0 + (2 * Hour), T0 + (4 * Hour));
        string bDir = b.Directory;
        b.Dispose();
        string seg = Path.Combine(bDir, "chunks", "000001");
        var bytes = File.ReadAllBytes(seg);
        bytes[bytes.Length - 100] ^= 0x55;
        File.WriteAllBytes(seg, bytes);
        using var damaged = Block.Open(bDir);
        try
        {
            var e = Assert.Throws<BlockCorruptedException>(() => new Compactor().Compact(tmp.Path, [a, damaged]));
            Assert.Equal(seg, e.FilePath);
            Assert.Equal(
                new[] { a.Meta.Ulid.ToString(), damaged.Meta.Ulid.ToString() }.Order(),
                Directory.EnumerateDirectories(tmp.Path).Select(Path.GetFileName).Order());
        }
        finally
        {
            a.Dispose();
        }
    }
}
