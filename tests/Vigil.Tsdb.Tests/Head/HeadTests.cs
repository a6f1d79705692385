using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;

namespace Vigil.Tsdb.Tests.Head;

public class HeadTests
{
    private static readonly LabelSet Up = LabelSet.Of("__name__", "up", "job", "node", "instance", "a:9100");

    private static List<(LabelSet Labels, List<Sample> Samples)> Read(ISampleQueryable q, long mint, long maxt, params LabelMatcher[] ms)
    {
        using var querier = q.Querier(mint, maxt);
        return querier.Select(true, null, ms).ToList();
    }

    [Fact]
    public void Append_BeforeCommit_IsInvisibleAndAfterCommitVisible()
    {
        var head = new Vigil.Tsdb.Head.Head();
        var app = head.Appender();
        app.Append(Up, 1000, 1);
        app.Append(Up, 2000, 0);
        Assert.Empty(Read(head, 0, 10_000, LabelMatcher.MetricName("up")));
        app.Commit();
        var got = Assert.Single(Read(head, 0, 10_000, LabelMatcher.MetricName("up")));
        Assert.Equal(Up, got.Labels);
        Assert.Equal([new Sample(1000, 1), new Sample(2000, 0)], got.Samples);
    }

    [Fact]
    public void Commit_BatchOfKnownSeries_ReusesPendingListsOfEarlierBatches()
    {
        var head = new Vigil.Tsdb.Head.Head();
        var series = Enumerable.Range(0, 2000).Select(i => LabelSet.Of("__name__", "m", "i", i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        var refs = new SeriesRef[series.Length];
        void Batch(long t)
        {
            var app = head.Appender();
            for (int i = 0; i < series.Length; i++)
            {
                Assert.True(app.TryAppend(ref refs[i], series[i], t, i, out _));
            }
            app.Commit();
        }
        // The first batches create the series and their chunks (and fill the pool); later ones only append.
        Batch(1000);
        Batch(2000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Batch(3000);
        long perSample = (GC.GetAllocatedBytesForCurrentThread() - before) / series.Length;
        // Growing a fresh pending-sample list to 2,000 entries alone allocates about 48 bytes per sample.
        Assert.True(perSample < 16, $"{perSample} bytes allocated per sample");
        var got = Read(head, 0, 10_000, LabelMatcher.Equal("i", "1999"));
        Assert.Equal([new Sample(1000, 1999), new Sample(2000, 1999), new Sample(3000, 1999)], Assert.Single(got).Samples);
    }

    [Fact]
    public void Rollback_DiscardsSamples()
    {
        var head = new Vigil.Tsdb.Head.Head();
        var app = head.Appender();
        app.Append(Up, 1000, 1);
        app.Rollback();
        Assert.Empty(Read(head, 0, 10_000, LabelMatcher.MetricName("up")));
        var app2 = head.Appender();
        app2.Append(Up, 500, 3); // the rolled back sample does not block older ones
        app2.Commit();
        Assert.Equal([new Sample(500, 3)], Read(head, 0, 10_000, LabelMatcher.MetricName("up"))[0].Samples);
    }

    [Fact]
    public void TryAppend_OutOfOrderAndDuplicate_AreRefusedAndCounted_SameValueIsIdempotent()
    {
        var head = new Vigil.Tsdb.Head.Head();
        var app = head.Appender();
        app.Append(Up, 2000, 1);
        app.Commit();

        app = head.Appender();
        var r = SeriesRef.None;
        Assert.False(app.TryAppend(ref r, Up, 1000, 5, out var err));
        Assert.Equal(AppendError.OutOfOrder, err);
        Assert.False(app.TryAppend(ref r, Up, 2000, 7, out err));
        Assert.Equal(AppendError.DuplicateTimestamp, err);
        Assert.True(app.TryAppend(ref r, Up, 2000, 1, out err));
        Assert.Equal(AppendError.None, err);
        app.Commit();

        Assert.Equal(1, head.Stats.OutOfOrderSamples);
        Assert.Equal(1, head.Stats.DuplicateSamples);
        Assert.Equal([new Sample(2000, 1)], Read(head, 0, 10_000, LabelMatcher.MetricName("up"))[0].Samples);
        var ex = Assert.Throws<StorageException>(() => head.Appender().Append(Up, 10, 1));
        Assert.Contains("out of order sample", ex.Message);
        Assert.Contains("up{", ex.Message);
    }

    [Fact]
    public void TryAppend_InvalidLabels_AreRefused()
    {
        var head = new Vigil.Tsdb.Head.Head();
        var app = head.Appender();
        var r = SeriesRef.None;
        Assert.False(app.TryAppend(ref r, LabelSet.Of("job", "x"), 1, 1, out var err));
        Assert.Equal(AppendError.InvalidLabels, err);
        Assert.False(app.TryAppend(ref r, LabelSet.Of("__name__", "x", "bad", "\ud800"), 1, 1, out err));
        Assert.Equal(AppendError.InvalidLabels, err);
        Assert.Equal(2, head.Stats.InvalidLabelSamples);
    }

    [Fact]
    public void Select_Matchers_FollowPrometheusSemantics()
    {
        var head = new Vigil.Tsdb.Head.Head();
        var app = head.Appender();
        app.Append(LabelSet.Of("__name__", "m", "job", "api", "env", "prod"), 1, 1);
        app.Append(LabelSet.Of("__name__", "m", "job", "web", "env", "dev"), 1, 2);
        app.Append(LabelSet.Of("__name__", "m", "job", "db"), 1, 3);
        app.Append(LabelSet.Of("__name__", "other", "job", "api"), 1, 4);
        app.Commit();

        string Jobs(params LabelMatcher[] ms) => string.Join(",", Read(head, 0, 10, ms).Select(s => s.Labels.Get("job")).Order(StringComparer.Ordinal));

        // Series come back in Prometheus's label order: env=dev < env=prod < (no env).
        Assert.Equal(["web", "api", "db"], Read(head, 0, 10, LabelMatcher.MetricName("m")).Select(s => s.Labels.Get("job")));

        Assert.Equal("api,db,web", Jobs(LabelMatcher.MetricName("m")));
        Assert.Equal("api,web", Jobs(LabelMatcher.MetricName("m"), new LabelMatcher(MatchOp.Regexp, "job", "api|web")));
        Assert.Equal("db,web", Jobs(LabelMatcher.MetricName("m"), new LabelMatcher(MatchOp.NotEqual, "env", "prod")));
        Assert.Equal("db", Jobs(LabelMatcher.MetricName("m"), LabelMatcher.Equal("env", "")));
        Assert.Equal("api,web", Jobs(LabelMatcher.MetricName("m"), new LabelMatcher(MatchOp.Regexp, "env", ".+")));
        Assert.Equal("api,db", Jobs(LabelMatcher.MetricName("m"), new LabelMatcher(MatchOp.NotRegexp, "job", "w.*")));
        Assert.Equal("db,web", Jobs(LabelMatcher.MetricName("m"), new LabelMatcher(MatchOp.Regexp, "env", "d.v|")));
        Assert.Equal("", Jobs(LabelMatcher.MetricName("m"), LabelMatcher.Equal("job", "nope")));
        Assert.Equal("api,api", Jobs(LabelMatcher.Equal("job", "api")));
    }

    [Fact]
    public void Querier_Range_IsInclusiveAndClipsSamples()
    {
        var head = new Vigil.Tsdb.Head.Head();
        var app = head.Appender();
        for (int i = 0; i < 1000; i++)
        {
            app.Append(Up, i * 1000L, i);
        }
        app.Commit();
        var got = Read(head, 10_000, 20_000, LabelMatcher.MetricName("up"))[0].Samples;
        Assert.Equal(11, got.Count);
        Assert.Equal(10_000, got[0].T);
        Assert.Equal(20_000, got[^1].T);
        Assert.Empty(Read(head, 2_000_000, 3_000_000, LabelMatcher.MetricName("up")));
    }

    [Fact]
    public void Iterator_SeekAcrossManyChunks_FindsSamples()
    {
        var head = new Vigil.Tsdb.Head.Head();
        var app = head.Appender();
        for (int i = 0; i < 1000; i++)
        {
            app.Append(Up, i * 15_000L, i);
        }
        app.Commit();
        using var q = head.Querier(0, long.MaxValue);
        var set = q.Select(true, null, LabelMatcher.MetricName("up"));
        Assert.True(set.MoveNext());
        var it = set.Current.Iterator();
        Assert.True(it.Seek(500 * 15_000L + 1));
        Assert.Equal(501 * 15_000L, it.T);
        Assert.Equal(501, it.V);
        Assert.True(it.Seek(0)); // no backwards
        Assert.Equal(501, it.V);
        Assert.True(it.Next());
        Assert.Equal(502, it.V);
        Assert.True(it.Seek(999 * 15_000L));
        Assert.Equal(999, it.V);
        Assert.False(it.Next());
        Assert.False(it.Seek(999 * 15_000L + 1));
    }

    [Fact]
    public void Iterator_ReusedForNextSeries_SeeksWithinThatSeries()
    {
        var head = new Vigil.Tsdb.Head.Head();
        var app = head.Appender();
        for (int s = 0; s < 3; s++)
        {
            var labels = LabelSet.Of("__name__", "m", "i", s.ToString(System.Globalization.CultureInfo.InvariantCulture));
            for (int i = 0; i < 2000; i++)
            {
                app.Append(labels, i * 10_000L, i);
            }
        }
        app.Commit();
        using var q = head.Querier(0, 8_000_000);
        var set = q.Select(true, null, LabelMatcher.MetricName("m"));
        ISampleIterator? it = null;
        while (set.MoveNext())
        {
            it = set.Current.Iterator(it);
            Assert.True(it.Seek(7_700_001));
            Assert.Equal(7_710_000, it.T);
            int rest = 0;
            while (it.Next())
            {
                rest++;
            }
            Assert.Equal(29, rest);
        }
    }

    [Fact]
    public void Chunks_CutAt120SamplesAndAtBlockBoundaries()
    {
        var head = new Vigil.Tsdb.Head.Head(chunkRange: 100_000);
        var app = head.Appender();
        var r = SeriesRef.None;
        for (int i = 0; i < 300; i++)
        {
            r = app.Append(r, Up, i * 1000L, i);
        }
        app.Commit();
        var s = head.ByRef(r.Value)!;
        lock (s)
        {
            // 0..99s, 100..199s, 200..299s: three chunks of 100 samples because of the 100 s boundary.
            Assert.Equal(2, s.Closed.Count);
            Assert.All(s.Closed, c => Assert.Equal(100, c.Count));
            Assert.Equal(99_000, s.Closed[0].MaxTime);
        }

        var head2 = new Vigil.Tsdb.Head.Head();
        var app2 = head2.Appender();
        r = SeriesRef.None;
        for (int i = 0; i < 300; i++)
        {
            r = app2.Append(r, Up, i * 1000L, i);
        }
        app2.Commit();
        s = head2.ByRef(r.Value)!;
        lock (s)
        {
            Assert.Equal(2, s.Closed.Count);
            Assert.Equal(120, s.Closed[0].Count);
            Assert.Equal(60, s.OpenCount);
        }
    }

    [Fact]
    public void Appenders_OnManyThreads_LoseNothing()
    {
        var head = new Vigil.Tsdb.Head.Head();
        const int threads = 4, seriesPerThread = 200, samples = 50;
        Parallel.For(0, threads, th =>
        {
            for (int t = 0; t < samples; t++)
            {
                var app = head.Appender();
                for (int s = 0; s < seriesPerThread; s++)
                {
                    // Half the series are shared between threads: ordering conflicts must be refused, not corrupt.
                    string id = s % 2 == 0 ? $"shared{s}" : $"t{th}s{s}";
                    var r = SeriesRef.None;
                    app.TryAppend(ref r, LabelSet.Of("__name__", "x", "id", id), t * 1000L, th, out _);
                }
                app.Commit();
            }
        });
        var all = Read(head, 0, long.MaxValue, LabelMatcher.MetricName("x"));
        Assert.Equal(seriesPerThread / 2 + (threads * seriesPerThread / 2), all.Count);
        foreach (var (labels, s) in all)
        {
            if (!labels.Get("id").StartsWith("shared", StringComparison.Ordinal))
            {
                Assert.Equal(samples, s.Count);
            }
            for (int i = 1; i < s.Count; i++)
            {
                Assert.True(s[i].T > s[i - 1].T);
            }
        }
        long total = all.Sum(a => a.Samples.Count);
        Assert.Equal(total, head.Stats.SamplesAppended);
    }

    [Fact]
    public void Truncate_DropsOldChunksAndEmptySeries_RefusesOlderAppends()
    {
        var head = new Vigil.Tsdb.Head.Head(chunkRange: 10_000);
        var app = head.Appender();
        var old = LabelSet.Of("__name__", "old");
        app.Append(old, 1000, 1);
        for (int i = 0; i < 30; i++)
        {
            app.Append(Up, i * 1000L, i);
        }
        app.Commit();
        var removed = head.Truncate(20_000);
        Assert.Single(removed);
        Assert.Equal(1, head.SeriesCount);
        var got = Read(head, 0, long.MaxValue, LabelMatcher.MetricName("up"))[0].Samples;
        Assert.Equal(20_000, got[0].T);
        Assert.Empty(Read(head, 0, long.MaxValue, LabelMatcher.MetricName("old")));
        var r = SeriesRef.None;
        Assert.False(head.Appender().TryAppend(ref r, old, 5000, 1, out var err));
        Assert.Equal(AppendError.TooOld, err);
    }

    [Fact]
    public void LabelNamesAndValues_AreSortedAndFiltered()
    {
        var head = new Vigil.Tsdb.Head.Head();
        var app = head.Appender();
        app.Append(LabelSet.Of("__name__", "b", "zone", "eu"), 1, 1);
        app.Append(LabelSet.Of("__name__", "a", "region", "us"), 1, 1);
        app.Commit();
        using var q = head.Querier(0, 10);
        Assert.Equal(["__name__", "region", "zone"], q.LabelNames());
        Assert.Equal(["a", "b"], q.LabelValues("__name__"));
        Assert.Equal(["eu"], q.LabelValues("zone", LabelMatcher.MetricName("b")));
        Assert.Equal(["__name__", "zone"], q.LabelNames(LabelMatcher.MetricName("b")));
    }
}
