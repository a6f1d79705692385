using System.Net;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests;

/// <summary>A query stops reading storage soon after its HTTP client goes away, and a busy server still answers others.</summary>
public sealed class QueryCancellationTests
{
    private const long T0 = 1_700_000_000_000;

    /// <summary>Storage whose sample iterators are slow (1 ms per 50 samples) and count what they read.</summary>
    private sealed class SlowStorage : IStorage
    {
        private readonly MemoryStorage _inner = new();
        private long _read;

        public long SamplesRead => Interlocked.Read(ref _read);

        public long StartTime => _inner.StartTime;

        public IAppender Appender() => _inner.Appender();

        public IQuerier Querier(long mint, long maxt) => new SlowQuerier(_inner.Querier(mint, maxt), this);

        private sealed class SlowQuerier(IQuerier inner, SlowStorage owner) : IQuerier
        {
            public long MinTime => inner.MinTime;

            public long MaxTime => inner.MaxTime;

            public ISeriesSet Select(bool sortSeries, SelectHints? hints, params LabelMatcher[] matchers)
            {
                var set = inner.Select(sortSeries, hints, matchers);
                var list = new List<ISeries>();
                while (set.MoveNext())
                {
                    list.Add(new SlowSeries(set.Current, owner));
                }
                return SeriesSets.FromList(list);
            }

            public IReadOnlyList<string> LabelValues(string name, params LabelMatcher[] matchers) => inner.LabelValues(name, matchers);

            public IReadOnlyList<string> LabelNames(params LabelMatcher[] matchers) => inner.LabelNames(matchers);

            public void Dispose() => inner.Dispose();
        }

        private sealed class SlowSeries(ISeries inner, SlowStorage owner) : ISeries
        {
            public LabelSet Labels => inner.Labels;

            public ISampleIterator Iterator(ISampleIterator? reuse = null) => new SlowIterator(inner.Iterator(), owner);
        }

        private sealed class SlowIterator(ISampleIterator inner, SlowStorage owner) : ISampleIterator
        {
            public long T => inner.T;

            public double V => inner.V;

            public Exception? Error => inner.Error;

            public bool Next()
            {
                if (Interlocked.Increment(ref owner._read) % 50 == 0)
                {
                    Thread.Sleep(1);
                }
                return inner.Next();
            }

            public bool Seek(long t)
            {
                Interlocked.Increment(ref owner._read);
                return inner.Seek(t);
            }
        }
    }

    [Fact]
    public async Task QueryRange_ClientGoesAway_EvaluationStopsReadingStorage()
    {
        var storage = new SlowStorage();
        for (int s = 0; s < 400; s++)
        {
            // Note: one commit per series keeps the test storage's pending list short.
            var app = storage.Appender();
            var labels = LabelSet.Of("__name__", "slow_total", "series", s.ToString(System.Globalization.CultureInfo.InvariantCulture));
            for (int i = 0; i < 240; i++)
            {
                app.Append(labels, T0 + (i * 15_000L), i);
            }
            app.Commit();
        }
        const long total = 400 * 240;
        await using var vigil = await TestVigil.StartAsync(new VigilServerOptions
        {
            Listen = TestVigil.Loopback,
            CollectionInterval = TimeSpan.FromHours(1),
            CollectHost = false,
            CollectSelf = false,
        }, storage);
        var server = vigil.Server;
        var http = vigil.Http;

        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                http.GetAsync("/api/v1/query_range?query=sum(rate(slow_total[5m]))&start=1700000000&end=1700003600&step=15", cts.Token));
        }
        // Give the server a moment to notice the closed connection, then the reads must stop well short of the total.
        await Task.Delay(1000);
        long afterCancel = storage.SamplesRead;
        await Task.Delay(1000);
        Assert.Equal(afterCancel, storage.SamplesRead);
        Assert.True(afterCancel < total / 2, $"read {afterCancel} of {total} samples");

        // The server is still there for the next client.
        using var r = await http.GetAsync("/api/v1/query?query=1%2B1");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }
}
