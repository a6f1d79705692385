using Vigil.Core.Labels;
using Vigil.Tsdb.Blocks;
using Vigil.Tsdb.Chunks;
using Vigil.Tsdb.Index;

namespace Vigil.Tsdb.Tests.Index;

public class IndexReaderTests
{
    private static readonly LabelSet[] Series =
    [
        LabelSet.Of("__name__", "up", "job", "node", "instance", "a:9100"),
        LabelSet.Of("__name__", "up", "job", "node", "instance", "b:9100"),
        LabelSet.Of("__name__", "up", "job", "prometheus", "instance", "localhost:9090"),
        LabelSet.Of("__name__", "temperature_celsius", "city", "Zürich"),
        LabelSet.Of("__name__", "temperature_celsius", "city", "東京"),
        LabelSet.Of("__name__", "rocket_launches_total", "site", "🚀 pad"),
        // U+FF5E sorts after the surrogate pair of 🚀 in UTF-16 ordinal order but before it in UTF-8 byte order.
        LabelSet.Of("__name__", "rocket_launches_total", "site", "\uFF5E pad"),
    ];

    private static string WriteIndex(string dir, long baseTime = 1000)
    {
        string path = Path.Combine(dir, "index");
        using var w = new IndexWriter(path, Path.Combine(dir, "spool"), baseTime);
        ulong chunkRef = ChunkSegments.Ref(1, 8);
        foreach (var (labels, i) in Series.Order().Select((l, i) => (l, i)))
        {
            var chunks = new[]
            {
                new ChunkRefMeta(baseTime + i, baseTime + 100 + i, chunkRef),
                new ChunkRefMeta(baseTime + 200 + i, baseTime + 7_200_000, chunkRef + 150),
            };
            w.AddSeries(labels, chunks);
            chunkRef += 300;
        }
        w.Finish();
        return path;
    }

    [Fact]
    public void Open_AfterWrite_RoundTripsSeriesLabelsAndChunkMetas()
    {
        using var tmp = new TempDir();
        using var r = IndexReader.Open(WriteIndex(tmp.Path));
        var all = r.AllPostings();
        Assert.Equal(Series.Length, all.Length);
        Assert.Equal(Series.Length, r.SeriesCount);
        var read = all.Select(r.ReadLabels).ToList();
        Assert.Equal(Series.Order(), read);
        var chunks = new List<ChunkRefMeta>();
        r.ReadChunks(all[2], chunks);
        Assert.Equal([new ChunkRefMeta(1002, 1102, ChunkSegments.Ref(1, 8) + 600), new ChunkRefMeta(1202, 7_201_000, ChunkSegments.Ref(1, 8) + 750)], chunks);
        Assert.Equal(1000, r.BaseTime);
    }

    [Fact]
    public void LabelValues_Utf8Values_SortedByOrdinalAndLookupsFindEach()
    {
        using var tmp = new TempDir();
        using var r = IndexReader.Open(WriteIndex(tmp.Path));
        Assert.Equal(["__name__", "city", "instance", "job", "site"], r.LabelNames());
        Assert.Equal(["Zürich", "東京"], r.LabelValues("city"));
        var sites = r.LabelValues("site");
        Assert.Equal(sites.Order(StringComparer.Ordinal), sites);
        Assert.Equal(["🚀 pad", "\uFF5E pad"], sites);
        foreach (var s in Series)
        {
            foreach (var l in s)
            {
                var postings = r.Postings(l.Name, l.Value);
                Assert.Contains(postings, p => r.ReadLabels(p).Equals(s));
            }
        }
        Assert.Single(r.Postings("city", "東京"));
        Assert.Empty(r.Postings("city", "Paris"));
        Assert.Empty(r.Postings("nope", "x"));
        Assert.Empty(r.LabelValues("nope"));
    }

    [Fact]
    public void Postings_ForLabelPair_SortedAndMatchLabelOrder()
    {
        using var tmp = new TempDir();
        using var r = IndexReader.Open(WriteIndex(tmp.Path));
        var up = r.Postings("__name__", "up");
        Assert.Equal(3, up.Length);
        Assert.True(up.SequenceEqual(up.Order()));
        Assert.Equal(["a:9100", "b:9100", "localhost:9090"], up.Select(p => r.ReadLabels(p).Get("instance")));
    }

    [Theory]
    [InlineData(MatchOp.Equal, "job", "node", 2)]
    [InlineData(MatchOp.NotEqual, "job", "node", 5)]
    [InlineData(MatchOp.Regexp, "job", "node|prometheus", 3)]
    [InlineData(MatchOp.Regexp, "city", ".*ü.*", 1)]
    [InlineData(MatchOp.NotRegexp, "city", "東.*", 6)]
    [InlineData(MatchOp.Equal, "city", "", 5)]
    public void PostingsForMatchers_OnIndex_SelectsLikePrometheus(MatchOp op, string name, string value, int expected)
    {
        using var tmp = new TempDir();
        using var r = IndexReader.Open(WriteIndex(tmp.Path));
        var postings = PostingsForMatchers.Resolve(r, [new LabelMatcher(op, name, value)]);
        var matcher = new LabelMatcher(op, name, value);
        Assert.Equal(expected, postings.Length);
        Assert.All(postings, p => Assert.True(matcher.Matches(r.ReadLabels(p).Get(name))));
    }

    [Fact]
    public void Open_EmptyIndex_HasNoSeries()
    {
        using var tmp = new TempDir();
        string path = Path.Combine(tmp.Path, "index");
        using (var w = new IndexWriter(path, Path.Combine(tmp.Path, "spool"), 0))
        {
            w.Finish();
        }
        using var r = IndexReader.Open(path);
        Assert.Empty(r.AllPostings());
        Assert.Empty(r.LabelNames());
        Assert.Empty(r.Postings("a", "b"));
    }

    [Fact]
    public void AddSeries_OutOfLabelOrder_ThrowsArgumentExceptionNamingBothSeries()
    {
        using var tmp = new TempDir();
        using var w = new IndexWriter(Path.Combine(tmp.Path, "index"), Path.Combine(tmp.Path, "spool"), 0);
        w.AddSeries(LabelSet.Of("__name__", "b"), [new ChunkRefMeta(0, 1, 8)]);
        var e = Assert.Throws<ArgumentException>(() => w.AddSeries(LabelSet.Of("__name__", "a"), [new ChunkRefMeta(0, 1, 30)]));
        Assert.Contains("a{}", e.Message);
        Assert.Contains("b{}", e.Message);
        Assert.Throws<ArgumentException>(() => w.AddSeries(LabelSet.Of("__name__", "c"), [new ChunkRefMeta(5, 10, 8), new ChunkRefMeta(10, 20, 30)]));
    }

    [Fact]
    public void Finish_TenThousandSeries_FewerBytesPerSeriesThanPrometheusLayout()
    {
        using var tmp = new TempDir();
        string path = Path.Combine(tmp.Path, "index");
        var series = Enumerable.Range(0, 10_000).Select(i => LabelSet.Of("__name__", "node_cpu_seconds_total",
            "cpu", (i % 64).ToString("D2", System.Globalization.CultureInfo.InvariantCulture), "instance", $"host-{i / 64:D4}:9100", "job", "node", "mode", "user"))
            .Order().ToList();
        using (var w = new IndexWriter(path, Path.Combine(tmp.Path, "spool"), 0))
        {
            int i = 0;
            foreach (var s in series)
            {
                w.AddSeries(s, [new ChunkRefMeta(0, 1_799_985, ChunkSegments.Ref(1, (uint)(8 + (i++ * 200))))]);
            }
            w.Finish();
        }
        long size = new FileInfo(path).Length;
        // Prometheus's v2 index pads each series entry (with its CRC) to 16 bytes, 32 here, and spends 4 bytes per
        // posting, 24 for five labels plus the all-series list: about 56 bytes per series. Ours delta-encodes both.
        Assert.True(size < 10_000 * 40, $"index is {size} bytes for 10k series");
    }

    [Theory]
    [InlineData(0, "bad index magic")]
    [InlineData(4, "unsupported index version")]
    [InlineData(20, "symbols section")]
    [InlineData(-1, "TOC")]
    public void Open_FlippedByte_ThrowsBlockCorruptedExceptionNamingFile(int offset, string expected)
    {
        using var tmp = new TempDir();
        string path = WriteIndex(tmp.Path);
        var bytes = File.ReadAllBytes(path);
        int at = offset >= 0 ? offset : bytes.Length + offset - 10;
        bytes[at] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<BlockCorruptedException>(() => IndexReader.Open(path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.NotNull(e.Offset);
    }

    [Fact]
    public void Open_FlippedByteInEverySection_AlwaysDetected()
    {
        using var tmp = new TempDir();
        string path = WriteIndex(tmp.Path);
        var original = File.ReadAllBytes(path);
        for (int at = 0; at < original.Length; at++)
        {
            var bytes = (byte[])original.Clone();
            bytes[at] ^= 0x01;
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<BlockCorruptedException>(() => IndexReader.Open(path).Dispose());
            Assert.Equal(path, e.FilePath);
        }
    }

    [Fact]
    public void Open_Truncated_ThrowsBlockCorruptedException()
    {
        using var tmp = new TempDir();
        string path = WriteIndex(tmp.Path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<BlockCorruptedException>(() => IndexReader.Open(path));
        Assert.Contains("TOC", e.Message);
    }
}
