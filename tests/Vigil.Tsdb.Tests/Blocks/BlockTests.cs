using System.Text.Json;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.Tsdb.Blocks;
using Vigil.Tsdb.Chunks;
using static Vigil.Tsdb.Tests.Blocks.BlockTestData;

namespace Vigil.Tsdb.Tests.Blocks;

public class BlockTests
{
    private const long T0 = 1_700_000_000_000 / (2 * Hour) * (2 * Hour);

    private static List<(LabelSet, List<Sample>)> RandomSeries(int count, int seed, long from, long to)
    {
        var rnd = new Random(seed);
        var result = new List<(LabelSet, List<Sample>)>();
        for (int i = 0; i < count; i++)
        {
            var labels = LabelSet.Of("__name__", i % 2 == 0 ? "node_load1" : "http_requests_total", "instance", $"host-{i:D3}", "job", i % 3 == 0 ? "api" : "node");
            var samples = new List<Sample>();
            double counter = rnd.Next(1000);
            for (long t = from + rnd.Next(15_000); t < to; t += 15_000 + rnd.Next(-5, 6))
            {
                counter += rnd.Next(0, 100);
                samples.Add(new Sample(t, i % 2 == 0 ? rnd.NextDouble() * 8 : counter));
            }
            result.Add((labels, samples));
        }
        return result;
    }

    private static void AssertHolds(Block block, List<(LabelSet, List<Sample>)> input)
    {
        using var q = block.Querier(long.MinValue, long.MaxValue);
        var got = Read(q);
        var expected = input.OrderBy(s => s.Item1).ToList();
        Assert.Equal(expected.Select(e => e.Item1), got.Select(g => g.Labels));
        for (int i = 0; i < expected.Count; i++)
        {
            AssertSamplesEqual(expected[i].Item2, got[i].Samples, expected[i].Item1.ToString());
        }
    }

    [Fact]
    public void Querier_AfterWrite_ReturnsEverySeriesAndSampleBitExact()
    {
        using var tmp = new TempDir();
        var input = RandomSeries(50, 1, T0, T0 + (2 * Hour));
        using var block = WriteAndOpen(tmp.Path, input, T0, T0 + (2 * Hour));
        AssertHolds(block, input);
        Assert.Equal(50, block.Meta.Stats.NumSeries);
        Assert.Equal(input.Sum(s => s.Item2.Count), block.Meta.Stats.NumSamples);
        // Each series' samples are cut into block chunks of at most 1024 samples.
        Assert.Equal(input.Sum(s => (s.Item2.Count + BlockWriter.MaxSamplesPerChunk - 1) / BlockWriter.MaxSamplesPerChunk), block.Meta.Stats.NumChunks);
        Assert.All(ChunkEncodings(block), e => Assert.Equal(ChunkEncoding.Block, e));
    }

    [Fact]
    public void Querier_OldFormatXorBlock_ReturnsEverySeriesAndSampleBitExact()
    {
        using var tmp = new TempDir();
        var input = RandomSeries(30, 3, T0, T0 + (2 * Hour));
        input[0].Item2[7] = new Sample(input[0].Item2[7].T, StaleMarker.StaleNaN);
        using var block = WriteOldFormatAndOpen(tmp.Path, input, T0, T0 + (2 * Hour));
        Assert.All(ChunkEncodings(block), e => Assert.Equal(ChunkEncoding.Xor, e));
        AssertHolds(block, input);
    }

    [Fact]
    public void Write_LongSeries_CutsChunksOfAtMost1024SamplesThatSeekFindsBitExact()
    {
        using var tmp = new TempDir();
        var samples = Regular(T0, T0 + (2 * Hour), 1000, t => t % 7 == 0 ? StaleMarker.StaleNaN : Math.Round(t / 3.0, 3));
        var labels = LabelSet.Of("__name__", "fast");
        using var block = WriteAndOpen(tmp.Path, [(labels, samples)], T0, T0 + (2 * Hour));
        Assert.Equal(8, block.Meta.Stats.NumChunks); // 7,200 samples in 8 chunks of 900
        using var q = block.Querier(T0, T0 + (2 * Hour));
        AssertSamplesEqual(samples, Read(q).Single().Samples);
        var set = q.Select(true, null, LabelMatcher.MetricName("fast"));
        Assert.True(set.MoveNext());
        var it = set.Current.Iterator();
        Assert.True(it.Seek(T0 + 5_000_500));
        Assert.Equal(T0 + 5_001_000, it.T);
        Assert.True(it.Next());
        Assert.Equal(T0 + 5_002_000, it.T);
    }

    [Fact]
    public void Querier_SpecialFloatsAndStaleMarkers_KeepExactBits()
    {
        using var tmp = new TempDir();
        double[] values = [0.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, double.NaN, StaleMarker.StaleNaN,
            double.Epsilon, double.MaxValue, double.MinValue, BitConverter.UInt64BitsToDouble(StaleMarker.NormalNaNBits), 1.5, StaleMarker.StaleNaN];
        var samples = values.Select((v, i) => new Sample(T0 + (i * 1000), v)).ToList();
        var labels = LabelSet.Of("__name__", "weird");
        using var block = WriteAndOpen(tmp.Path, [(labels, samples)], T0, T0 + Hour, perChunk: 5);
        using var q = block.Querier(T0, T0 + Hour);
        var got = Read(q).Single();
        AssertSamplesEqual(samples, got.Samples);
        Assert.True(got.Samples[5].IsStale);
        Assert.False(got.Samples[4].IsStale);
        Assert.True(got.Samples[11].IsStale);
    }

    [Fact]
    public void Select_Matchers_ReturnOnlyMatchingSeriesInLabelOrder()
    {
        using var tmp = new TempDir();
        var input = RandomSeries(30, 2, T0, T0 + Hour);
        using var block = WriteAndOpen(tmp.Path, input, T0, T0 + (2 * Hour));
        using var q = block.Querier(T0, T0 + Hour);
        var got = Read(q, LabelMatcher.MetricName("node_load1"), new LabelMatcher(MatchOp.NotEqual, "job", "api"));
        var expected = input.Select(s => s.Item1).Where(l => l.Name == "node_load1" && l.Get("job") != "api").Order().ToList();
        Assert.Equal(expected, got.Select(g => g.Labels));
        Assert.Equal(["api", "node"], q.LabelValues("job"));
        Assert.Equal(["node"], q.LabelValues("job", LabelMatcher.Equal("instance", "host-001")));
        Assert.Equal(["__name__", "instance", "job"], q.LabelNames());
        Assert.Equal(["__name__", "instance", "job"], block.LabelNames());
        Assert.Empty(Read(q, LabelMatcher.MetricName("missing")));
    }

    [Fact]
    public void Querier_Range_ClipsSamplesInclusiveAndDropsSeriesWithoutChunksInRange()
    {
        using var tmp = new TempDir();
        var early = Regular(T0, T0 + Hour, 10_000, t => t);
        var late = Regular(T0 + Hour, T0 + (2 * Hour), 10_000, t => t);
        using var block = WriteAndOpen(tmp.Path, [(LabelSet.Of("__name__", "early"), early), (LabelSet.Of("__name__", "late"), late)], T0, T0 + (2 * Hour), perChunk: 30);
        long mint = T0 + 120_000, maxt = T0 + 600_000;
        using var q = block.Querier(mint, maxt);
        var got = Read(q);
        var only = Assert.Single(got);
        Assert.Equal("early", only.Labels.Name);
        AssertSamplesEqual(early.Where(s => s.T >= mint && s.T <= maxt).ToList(), only.Samples);
        Assert.Equal(mint, only.Samples[0].T);
        Assert.Equal(maxt, only.Samples[^1].T);

        using var outside = block.Querier(T0 + (3 * Hour), T0 + (4 * Hour));
        Assert.Empty(Read(outside));
        using var hinted = block.Querier(T0, T0 + (2 * Hour));
        var set = hinted.Select(true, new SelectHints(mint, maxt), LabelMatcher.MetricName("early")).ToList();
        AssertSamplesEqual(early.Where(s => s.T >= mint && s.T <= maxt).ToList(), set.Single().Samples);
    }

    [Fact]
    public void Seek_AcrossChunks_LandsOnFirstSampleAtOrAfterAndNeverMovesBack()
    {
        using var tmp = new TempDir();
        var samples = Regular(T0, T0 + (2 * Hour), 15_000, t => (t - T0) / 1000.0);
        using var block = WriteAndOpen(tmp.Path, [(LabelSet.Of("__name__", "s"), samples)], T0, T0 + (2 * Hour), perChunk: 100);
        using var q = block.Querier(T0 + 30_000, T0 + (2 * Hour));
        var set = q.Select(true, null, LabelMatcher.MetricName("s"));
        Assert.True(set.MoveNext());
        var it = set.Current.Iterator();
        Assert.True(it.Seek(T0));            // before the range: clipped to mint
        Assert.Equal(T0 + 30_000, it.T);
        Assert.True(it.Seek(T0 + 3_000_000 + 1)); // inside the third chunk
        Assert.Equal(T0 + 3_015_000, it.T);
        Assert.Equal(3015.0, it.V);
        Assert.True(it.Seek(T0 + 1000));     // never backwards
        Assert.Equal(T0 + 3_015_000, it.T);
        Assert.True(it.Next());
        Assert.Equal(T0 + 3_030_000, it.T);
        Assert.True(it.Seek(T0 + (2 * Hour) - 15_000));
        Assert.Equal(T0 + (2 * Hour) - 15_000, it.T);
        Assert.False(it.Next());
        Assert.False(it.Seek(T0 + (3 * Hour)));
        Assert.Null(it.Error);
    }

    [Fact]
    public void Seek_PastDamagedChunk_DoesNotDecodeIt()
    {
        using var tmp = new TempDir();
        var samples = Regular(T0, T0 + 3_000_000, 1_000, t => t % 7);
        using (var b = WriteAndOpen(tmp.Path, [(LabelSet.Of("__name__", "s"), samples)], T0, T0 + Hour))
        {
        }
        string dir = BlockDirectory.ListBlockDirs(tmp.Path).Single();
        string seg = Path.Combine(dir, "chunks", "000001");
        var bytes = File.ReadAllBytes(seg);
        // Damage the second of three chunks (1,000 samples each); the first record starts at offset 8.
        int second = FindRecordStart(bytes, 1);
        bytes[second + 10] ^= 0xff;
        File.WriteAllBytes(seg, bytes);
        using var block = Block.Open(dir);
        using var q = block.Querier(T0, T0 + Hour);
        var set = q.Select(true, null, LabelMatcher.MetricName("s"));
        Assert.True(set.MoveNext());
        var it = set.Current.Iterator();
        Assert.True(it.Seek(T0 + 2_500_000));
        Assert.Equal(T0 + 2_500_000, it.T);
        Assert.Null(it.Error);

        var it2 = set.Current.Iterator();
        int n = 0;
        while (it2.Next())
        {
            Assert.Equal(samples[n].T, it2.T);
            Assert.Equal(samples[n].V, it2.V);
            n++;
        }
        Assert.Equal(1000, n); // the first chunk, then the damaged one stops iteration
        var e = Assert.IsType<BlockCorruptedException>(it2.Error);
        Assert.Equal(seg, e.FilePath);
        Assert.Equal(second, e.Offset);
        Assert.Contains("CRC", e.Message);
    }

    private static int FindRecordStart(byte[] segment, int index)
    {
        int pos = 8;
        for (int i = 0; i < index; i++)
        {
            int len = 0, shift = 0, b;
            int p = pos;
            do
            {
                b = segment[p++];
                len |= (b & 0x7f) << shift;
                shift += 7;
            }
            while (b >= 0x80);
            pos = p + 1 + len + 4;
        }
        return pos;
    }

    [Fact]
    public void Iterator_TruncatedChunkFile_ReportsErrorNamingFileInsteadOfGarbage()
    {
        using var tmp = new TempDir();
        var input = Enumerable.Range(0, 4).Select(i => (LabelSet.Of("__name__", "m", "i", i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Regular(T0, T0 + Hour, 15_000, t => t * 1.5 + i))).ToList();
        using (WriteAndOpen(tmp.Path, input, T0, T0 + Hour))
        {
        }
        string dir = BlockDirectory.ListBlockDirs(tmp.Path).Single();
        string seg = Path.Combine(dir, "chunks", "000001");
        long len = new FileInfo(seg).Length;
        using (var fs = new FileStream(seg, FileMode.Open))
        {
            fs.SetLength(len - 6); // into the last chunk record (block chunks of these regular series are a few dozen bytes)
        }
        using var block = Block.Open(dir);
        using var q = block.Querier(T0, T0 + Hour);
        var set = q.Select(true, null, LabelMatcher.MetricName("m"));
        ISampleIterator? it = null;
        var errors = new List<Exception>();
        int good = 0;
        while (set.MoveNext())
        {
            it = set.Current.Iterator(it);
            int n = 0;
            while (it.Next())
            {
                Assert.Equal(it.T * 1.5 + int.Parse(set.Current.Labels.Get("i"), System.Globalization.CultureInfo.InvariantCulture), it.V);
                n++;
            }
            if (it.Error is not null)
            {
                errors.Add(it.Error);
            }
            else
            {
                Assert.Equal(240, n);
                good++;
            }
        }
        Assert.Null(set.Error);
        Assert.Equal(3, good);
        var e = Assert.IsType<BlockCorruptedException>(Assert.Single(errors));
        Assert.Equal(seg, e.FilePath);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Open_BadMetaJson_ThrowsNamingFileAndLine()
    {
        using var tmp = new TempDir();
        using (WriteAndOpen(tmp.Path, [(LabelSet.Of("__name__", "m"), Regular(T0, T0 + 60_000, 15_000, t => 1))], T0, T0 + Hour))
        {
        }
        string dir = BlockDirectory.ListBlockDirs(tmp.Path).Single();
        string meta = Path.Combine(dir, "meta.json");
        File.WriteAllText(meta, "{\n  \"ulid\": \"01ARZ3NDEKTSV4RRFFQ69G5FAV\",\n  \"minTime\": oops\n}");
        var e = Assert.Throws<BlockCorruptedException>(() => Block.Open(dir));
        Assert.Equal(meta, e.FilePath);
        Assert.Contains("line 3", e.Message);

        File.WriteAllText(meta, "{\"ulid\":\"not-a-ulid\",\"minTime\":0,\"maxTime\":10,\"compaction\":{\"level\":1},\"version\":1}");
        e = Assert.Throws<BlockCorruptedException>(() => Block.Open(dir));
        Assert.Contains("\"ulid\" is not a ULID", e.Message);

        File.Delete(meta);
        e = Assert.Throws<BlockCorruptedException>(() => Block.Open(dir));
        Assert.Contains("meta.json is missing", e.Message);
    }

    [Fact]
    public void Write_MetaJson_HasPrometheusShape()
    {
        using var tmp = new TempDir();
        var ulid = Ulid.NewUlid();
        var series = Series([(LabelSet.Of("__name__", "m"), Regular(T0, T0 + 60_000, 15_000, t => 1))]);
        var meta = new BlockWriter().Write(tmp.Path, series, T0, T0 + (2 * Hour), ulid);
        Assert.Equal(ulid, meta.Ulid);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(tmp.Path, ulid.ToString(), "meta.json")));
        var root = doc.RootElement;
        Assert.Equal(ulid.ToString(), root.GetProperty("ulid").GetString());
        Assert.Equal(T0, root.GetProperty("minTime").GetInt64());
        Assert.Equal(T0 + (2 * Hour), root.GetProperty("maxTime").GetInt64());
        Assert.Equal(4, root.GetProperty("stats").GetProperty("numSamples").GetInt64());
        Assert.Equal(1, root.GetProperty("stats").GetProperty("numSeries").GetInt64());
        Assert.Equal(1, root.GetProperty("compaction").GetProperty("level").GetInt32());
        Assert.Equal(ulid.ToString(), root.GetProperty("compaction").GetProperty("sources")[0].GetString());
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        Assert.Equal(["chunks", "index", "meta.json"], Directory.EnumerateFileSystemEntries(Path.Combine(tmp.Path, ulid.ToString())).Select(Path.GetFileName).Order());
        Assert.Single(Directory.EnumerateDirectories(tmp.Path));
    }

    [Fact]
    public void Write_UnsortedSeries_ThrowsAndLeavesNothingBehind()
    {
        using var tmp = new TempDir();
        var s = Regular(T0, T0 + 60_000, 15_000, t => 1);
        var series = new List<BlockSeries>
        {
            new(LabelSet.Of("__name__", "b"), BlockTestData.Chunks(s)),
            new(LabelSet.Of("__name__", "a"), BlockTestData.Chunks(s)),
        };
        var e = Assert.Throws<ArgumentException>(() => new BlockWriter().Write(tmp.Path, series, T0, T0 + Hour));
        Assert.Contains("label order", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Path));

        var outside = new List<BlockSeries> { new(LabelSet.Of("__name__", "a"), BlockTestData.Chunks(s)) };
        e = Assert.Throws<ArgumentException>(() => new BlockWriter().Write(tmp.Path, outside, T0 + 1, T0 + Hour));
        Assert.Contains("outside the block range", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Path));
    }

    [Fact]
    public void Write_SmallSegmentSize_RotatesSegmentsAndReadsBack()
    {
        using var tmp = new TempDir();
        var input = RandomSeries(20, 3, T0, T0 + (2 * Hour));
        // Note: a gauge's 480 random doubles make a chunk of about 4 KB, so segments of 8 KB hold one or two.
        var meta = new BlockWriter(segmentSize: 8192).Write(tmp.Path, Series(input), T0, T0 + (2 * Hour));
        string dir = Path.Combine(tmp.Path, meta.Ulid.ToString());
        var segments = Directory.GetFiles(Path.Combine(dir, "chunks")).Select(Path.GetFileName).Order().ToList();
        Assert.True(segments.Count > 3, $"{segments.Count} segments");
        Assert.Equal("000001", segments[0]);
        Assert.All(Directory.GetFiles(Path.Combine(dir, "chunks")), f => Assert.True(new FileInfo(f).Length <= 8192));
        using var block = Block.Open(dir);
        using var q = block.Querier(T0, T0 + (2 * Hour));
        var got = Read(q);
        var expected = input.OrderBy(s => s.Item1).ToList();
        for (int i = 0; i < expected.Count; i++)
        {
            AssertSamplesEqual(expected[i].Item2, got[i].Samples);
        }
        Assert.Equal(new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length), block.SizeBytes);
    }

    [Fact]
    public void Dispose_WhileQuerierOpen_KeepsFilesMappedUntilQuerierDisposed()
    {
        using var tmp = new TempDir();
        var samples = Regular(T0, T0 + Hour, 15_000, t => 2);
        var block = WriteAndOpen(tmp.Path, [(LabelSet.Of("__name__", "m"), samples)], T0, T0 + Hour);
        var q = block.Querier(T0, T0 + Hour);
        block.Dispose();
        Assert.False(block.Closed.IsCompleted);
        Assert.Throws<ObjectDisposedException>(() => block.Querier(T0, T0 + Hour));
        Assert.Equal(samples.Count, Read(q).Single().Samples.Count);
        var set = q.Select(true, null, LabelMatcher.MetricName("m"));
        q.Dispose();
        Assert.True(block.Closed.IsCompleted);
        Assert.False(set.MoveNext());
        Assert.IsType<ObjectDisposedException>(set.Error);
        Assert.Throws<ObjectDisposedException>(() => block.Index.AllPostings());
    }

    [Fact]
    public void Iterator_Reused_ReturnsSameInstanceAndCorrectSamples()
    {
        using var tmp = new TempDir();
        var input = RandomSeries(5, 4, T0, T0 + Hour);
        using var block = WriteAndOpen(tmp.Path, input, T0, T0 + Hour);
        using var q = block.Querier(T0, T0 + Hour);
        var set = q.Select(true, null, new LabelMatcher(MatchOp.Regexp, "__name__", ".+"));
        ISampleIterator? prev = null;
        var expected = input.OrderBy(s => s.Item1).ToList();
        int i = 0;
        while (set.MoveNext())
        {
            var it = set.Current.Iterator(prev);
            if (prev is not null)
            {
                Assert.Same(prev, it);
            }
            int n = 0;
            while (it.Next())
            {
                Assert.Equal(expected[i].Item2[n].T, it.T);
                n++;
            }
            Assert.Equal(expected[i].Item2.Count, n);
            prev = it;
            i++;
        }
        Assert.Equal(5, i);
    }

    [Fact]
    public void Write_NoSeries_OpensAsEmptyBlock()
    {
        using var tmp = new TempDir();
        var meta = new BlockWriter().Write(tmp.Path, [], T0, T0 + Hour);
        Assert.Equal(new BlockStats(0, 0, 0), meta.Stats);
        using var block = Block.Open(Path.Combine(tmp.Path, meta.Ulid.ToString()));
        using var q = block.Querier(T0, T0 + Hour);
        Assert.Empty(Read(q));
        Assert.Empty(q.LabelNames());
        Assert.Empty(q.LabelValues("job"));
    }

    [Fact]
    public async Task Querier_ConcurrentQueriesWhileBlockDisposed_NeverReadUnmappedMemory()
    {
        using var tmp = new TempDir();
        var input = RandomSeries(40, 5, T0, T0 + (2 * Hour));
        long expected = input.Sum(s => (long)s.Item2.Count);
        var block = WriteAndOpen(tmp.Path, input, T0, T0 + (2 * Hour));
        int completed = 0, refused = 0;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            // Each worker queries until the block refuses it: queries racing the dispose must still read correctly.
            while (DateTime.UtcNow < deadline)
            {
                IQuerier q;
                try
                {
                    q = block.Querier(T0, T0 + (2 * Hour));
                }
                catch (ObjectDisposedException)
                {
                    Interlocked.Increment(ref refused);
                    return;
                }
                using (q)
                {
                    Assert.Equal(expected, Read(q).Sum(s => (long)s.Samples.Count));
                    Interlocked.Increment(ref completed);
                }
            }
        })).ToList();
        while (Volatile.Read(ref completed) < 20)
        {
            await Task.Delay(1);
        }
        block.Dispose();
        await Task.WhenAll(workers);
        await block.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(4, refused);
    }
}
