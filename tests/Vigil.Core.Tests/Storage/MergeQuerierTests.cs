using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;

namespace Vigil.Core.Tests.Storage;

public sealed class MergeQuerierTests
{
    private static readonly LabelMatcher AnyUp = new(MatchOp.Regexp, "__name__", "up|.+");

    [Fact]
    public void Select_OverlappingSeries_MergedByTimestampFirstQuerierWins()
    {
        var head = new FakeQuerier(0, 100,
            Series("a", (1, 10), (2, 20), (3, 30)),
            Series("b", (1, 1)));
        var block = new FakeQuerier(0, 50,
            Series("a", (2, 200), (3, 300), (4, 400)),
            Series("c", (5, 5)));
        using var merged = new MergeQuerier([head, block]);

        var result = merged.Select(false, null, AnyUp).ToList();

        Assert.Equal(["a", "b", "c"], result.Select(r => r.Labels.Get("job")));
        Assert.Equal([new Sample(1, 10), new Sample(2, 20), new Sample(3, 30), new Sample(4, 400)], result[0].Samples);
        Assert.Equal([new Sample(1, 1)], result[1].Samples);
        Assert.Equal([new Sample(5, 5)], result[2].Samples);
        Assert.Equal((0L, 100L), (merged.MinTime, merged.MaxTime));
    }

    [Fact]
    public void Select_QuerierOrder_DecidesWhichDuplicateWins()
    {
        var first = new FakeQuerier(0, 10, Series("a", (2, 2)));
        var second = new FakeQuerier(0, 10, Series("a", (2, 200)));
        using var merged = new MergeQuerier([second, first]);

        Assert.Equal([new Sample(2, 200)], merged.Select(true, null, AnyUp).ToList().Single().Samples);
    }

    [Fact]
    public void Select_InterleavedSeriesFromThreeQueriers_SortedWithoutDuplicates()
    {
        var q1 = new FakeQuerier(0, 10, Series("a", (1, 1)), Series("d", (1, 1)), Series("f", (1, 1)));
        var q2 = new FakeQuerier(0, 10, Series("b", (1, 1)), Series("d", (2, 2)));
        var q3 = new FakeQuerier(0, 10, Series("c", (1, 1)), Series("d", (1, 9), (3, 3)), Series("e", (1, 1)));
        using var merged = new MergeQuerier([q1, q2, q3]);

        var result = merged.Select(true, null, AnyUp).ToList();

        Assert.Equal(["a", "b", "c", "d", "e", "f"], result.Select(r => r.Labels.Get("job")));
        Assert.Equal([new Sample(1, 1), new Sample(2, 2), new Sample(3, 3)], result[3].Samples);
    }

    [Fact]
    public void Select_ManyRandomOverlaps_EqualReferenceMerge()
    {
        var random = new Random(3);
        for (int round = 0; round < 50; round++)
        {
            int queriers = random.Next(2, 5);
            var perQuerier = new List<(long T, double V)>[queriers];
            for (int q = 0; q < queriers; q++)
            {
                perQuerier[q] = Enumerable.Range(0, random.Next(0, 40))
                    .Select(_ => (T: (long)random.Next(0, 60), V: (double)random.Next()))
                    .DistinctBy(s => s.T).OrderBy(s => s.T).ToList();
            }
            var expected = new SortedDictionary<long, double>();
            foreach (var samples in perQuerier)
            {
                foreach (var (t, v) in samples)
                {
                    expected.TryAdd(t, v);
                }
            }
            using var merged = new MergeQuerier(perQuerier.Select(s => (IQuerier)new FakeQuerier(0, 60, Series("a", [.. s]))).ToList());

            var result = merged.Select(true, null, AnyUp).ToList();

            if (expected.Count == 0)
            {
                Assert.All(result, r => Assert.Empty(r.Samples));
                continue;
            }
            var samplesOut = Assert.Single(result).Samples;
            Assert.Equal(expected.Select(kv => new Sample(kv.Key, kv.Value)), samplesOut);
        }
    }

    [Fact]
    public void Iterator_Seek_MovesForwardOnlyAcrossSources()
    {
        var q1 = new FakeQuerier(0, 10, Series("a", (1, 1), (4, 4), (8, 8)));
        var q2 = new FakeQuerier(0, 10, Series("a", (2, 2), (4, 40), (6, 6)));
        using var merged = new MergeQuerier([q1, q2]);
        var set = merged.Select(true, null, AnyUp);
        Assert.True(set.MoveNext());
        var it = set.Current.Iterator();

        Assert.True(it.Seek(3));
        Assert.Equal((4L, 4.0), (it.T, it.V));
        Assert.True(it.Seek(2));
        Assert.Equal(4, it.T);
        Assert.True(it.Next());
        Assert.Equal((6L, 6.0), (it.T, it.V));
        Assert.True(it.Seek(7));
        Assert.Equal(8, it.T);
        Assert.False(it.Next());
        Assert.False(it.Seek(100));
        Assert.Null(it.Error);
    }

    [Fact]
    public void Iterator_ReusedAcrossChainedSeries_SameObjectAndCorrectSamples()
    {
        var head = new FakeQuerier(0, 100, Series("a", (5, 50), (6, 60)), Series("b", (1, 1), (9, 9)));
        var block = new FakeQuerier(0, 100, Series("a", (1, 10), (2, 20)), Series("b", (1, 100), (3, 3)));
        using var merged = new MergeQuerier([head, block]);
        var set = merged.Select(true, null, AnyUp);
        var series = new List<ISeries>();
        while (set.MoveNext())
        {
            series.Add(set.Current);
        }

        var first = series[0].Iterator();
        var a = Drain(first);
        var second = series[1].Iterator(first);
        var b = Drain(second);

        Assert.Same(first, second);
        Assert.Equal([(1L, 10.0), (2L, 20.0), (5L, 50.0), (6L, 60.0)], a);
        Assert.Equal([(1L, 1.0), (3L, 3.0), (9L, 9.0)], b);
        // A fresh pass over the first series with the same iterator starts from the beginning again.
        Assert.Equal(a, Drain(series[0].Iterator(second)));
    }

    private static List<(long, double)> Drain(ISampleIterator it)
    {
        var list = new List<(long, double)>();
        while (it.Next())
        {
            list.Add((it.T, it.V));
        }
        Assert.Null(it.Error);
        return list;
    }

    [Fact]
    public void Select_InnerError_StopsTheMergeAndIsReported()
    {
        var ok = new FakeQuerier(0, 10, Series("a", (1, 1)));
        var failing = new FakeQuerier(0, 10) { Failure = new IOException("block 01H... is unreadable") };
        using var merged = new MergeQuerier([ok, failing]);

        var set = merged.Select(true, null, AnyUp);

        Assert.False(set.MoveNext());
        Assert.Equal("block 01H... is unreadable", set.Error?.Message);
    }

    [Fact]
    public void Select_SingleQuerier_PassesThrough()
    {
        var only = new FakeQuerier(0, 10, Series("b", (1, 1)), Series("a", (1, 1)));
        using var merged = new MergeQuerier([only]);

        Assert.Equal(["b", "a"], merged.Select(false, null, AnyUp).ToList().Select(r => r.Labels.Get("job")));
        Assert.Equal(["a", "b"], merged.Select(true, null, AnyUp).ToList().Select(r => r.Labels.Get("job")));
    }

    [Fact]
    public void LabelValuesAndNames_AreSortedUnions()
    {
        var q1 = new FakeQuerier(0, 10, Series("b", (1, 1)), Series("a", (1, 1), extra: ("zone", "eu")));
        var q2 = new FakeQuerier(0, 10, Series("c", (1, 1)), Series("a", (1, 1)));
        using var merged = new MergeQuerier([q1, q2]);

        Assert.Equal(["a", "b", "c"], merged.LabelValues("job"));
        Assert.Equal(["__name__", "job", "zone"], merged.LabelNames());
        Assert.Equal(["a"], merged.LabelValues("job", LabelMatcher.Equal("zone", "eu")));
    }

    [Fact]
    public void Dispose_DisposesEveryInnerQuerier()
    {
        var q1 = new FakeQuerier(0, 1);
        var q2 = new FakeQuerier(0, 1);

        new MergeQuerier([q1, q2]).Dispose();

        Assert.True(q1.Disposed);
        Assert.True(q2.Disposed);
    }

    private static ListSeries Series(string job, params (long T, double V)[] samples)
        => new(LabelSet.Of("__name__", "up", "job", job), samples.Select(s => new Sample(s.T, s.V)).ToList());

    private static ListSeries Series(string job, (long T, double V) sample, (string Name, string Value) extra)
        => new(LabelSet.Of("__name__", "up", "job", job, extra.Name, extra.Value), [new Sample(sample.T, sample.V)]);

    /// <summary>An in-memory querier over fixed series.</summary>
    private sealed class FakeQuerier(long mint, long maxt, params ListSeries[] series) : IQuerier
    {
        public long MinTime => mint;

        public long MaxTime => maxt;

        public bool Disposed { get; private set; }

        public Exception? Failure { get; init; }

        public ISeriesSet Select(bool sortSeries, SelectHints? hints, params LabelMatcher[] matchers)
        {
            if (Failure is not null)
            {
                return SeriesSets.Failed(Failure);
            }
            var selected = Matching(matchers).ToList();
            if (sortSeries)
            {
                selected.Sort((a, b) => LabelSet.Compare(a.Labels, b.Labels));
            }
            return SeriesSets.FromList(selected);
        }

        public IReadOnlyList<string> LabelValues(string name, params LabelMatcher[] matchers)
            => Matching(matchers).Select(s => s.Labels.Get(name)).Where(v => v.Length > 0).Distinct().Order(StringComparer.Ordinal).ToList();

        public IReadOnlyList<string> LabelNames(params LabelMatcher[] matchers)
            => Matching(matchers).SelectMany(s => s.Labels.Select(l => l.Name)).Distinct().Order(StringComparer.Ordinal).ToList();

        public void Dispose() => Disposed = true;

        private IEnumerable<ISeries> Matching(LabelMatcher[] matchers)
            => series.Where(s => matchers.All(m => m.Matches(s.Labels.Get(m.Name))));
    }
}
