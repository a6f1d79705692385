using System.Net;
using Vigil.Core.Histograms;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Tsdb;

namespace Vigil.Server.Tests;

/// <summary>/api/v1/query and query_range over a storage holding native histogram samples.</summary>
public sealed class HistogramQueryApiTests : IAsyncLifetime
{
    private const long T0 = 1_700_000_000_000;
    private readonly string _dataDir = Directory.CreateTempSubdirectory("vigil-hist-").FullName;
    private TsdbStorage _tsdb = null!;
    private VigilServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _tsdb = TsdbStorage.Open(new TsdbOptions { DataDir = _dataDir, DisableBackgroundMaintenance = true });
        var labels = LabelSet.Of("__name__", "rpc_seconds", "job", "a");
        var samples = new List<(long, FloatHistogram)>
        {
            (T0, Histogram(2, 2.5, 1, 1, 0)),
            (T0 + 15_000, Histogram(4, 5, 1, 2, 1)),
        };
        _server = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectionInterval = TimeSpan.FromHours(1),
            CollectHost = false,
            Instance = "test-host",
        }, new WithHistogramSeries(_tsdb, labels, samples));
        await _server.StartAsync();
        _http = new HttpClient { BaseAddress = _server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        _tsdb.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    private static FloatHistogram Histogram(double count, double sum, params double[] buckets) => new()
    {
        Schema = 0,
        Count = count,
        Sum = sum,
        PositiveSpans = [new HistogramSpan(0, (uint)buckets.Length)],
        PositiveBuckets = buckets,
    };

    [Fact]
    public async Task Query_NativeHistogramSample_ReturnsPrometheusHistogramShape()
    {
        var res = await _http.GetAsync("/api/v1/query?query=rpc_seconds&time=1700000015");
        string body = await res.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Contains("\"metric\":{\"__name__\":\"rpc_seconds\",\"job\":\"a\"},\"histogram\":[1700000015,{\"count\":\"4\",\"sum\":\"5\","
            + "\"buckets\":[[0,\"0.5\",\"1\",\"1\"],[0,\"1\",\"2\",\"2\"],[0,\"2\",\"4\",\"1\"]]}]", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"value\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryRange_NativeHistogramSeries_ReturnsHistogramsArrayWithoutValues()
    {
        var res = await _http.GetAsync("/api/v1/query_range?query=rpc_seconds&start=1700000000&end=1700000015&step=15");
        string body = await res.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        // Note: the empty (2,4] bucket of the first sample is left out, as Prometheus does.
        Assert.Contains("\"histograms\":[[1700000000,{\"count\":\"2\",\"sum\":\"2.5\",\"buckets\":[[0,\"0.5\",\"1\",\"1\"],[0,\"1\",\"2\",\"1\"]]}],"
            + "[1700000015,{\"count\":\"4\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"values\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_HistogramFunctions_ReturnFloats()
    {
        var res = await _http.GetAsync("/api/v1/query?query=" + Uri.EscapeDataString("histogram_count(increase(rpc_seconds[1m]))") + "&time=1700000015");
        string body = await res.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Contains("\"metric\":{\"job\":\"a\"},\"value\":[1700000015,\"", body, StringComparison.Ordinal);
    }

    /// <summary>A storage that adds one native histogram series (kept in memory) to the TSDB's float series.</summary>
    private sealed class WithHistogramSeries(IStorage inner, LabelSet labels, List<(long T, FloatHistogram H)> samples) : IStorage
    {
        public long StartTime => inner.StartTime;

        public IAppender Appender() => inner.Appender();

        public IQuerier Querier(long mint, long maxt) => new HistQuerier(inner.Querier(mint, maxt), labels, samples.Where(s => s.T >= mint && s.T <= maxt).ToList());

        private sealed class HistQuerier(IQuerier inner, LabelSet labels, List<(long T, FloatHistogram H)> samples) : IQuerier
        {
            public long MinTime => inner.MinTime;

            public long MaxTime => inner.MaxTime;

            public ISeriesSet Select(bool sortSeries, SelectHints? hints, params LabelMatcher[] matchers)
            {
                if (samples.Count == 0 || !Array.TrueForAll(matchers, m => m.Matches(labels.Get(m.Name))))
                {
                    return inner.Select(sortSeries, hints, matchers);
                }
                return SeriesSets.FromList([new HistSeries(labels, samples)]);
            }

            public IReadOnlyList<string> LabelValues(string name, params LabelMatcher[] matchers) => inner.LabelValues(name, matchers);

            public IReadOnlyList<string> LabelNames(params LabelMatcher[] matchers) => inner.LabelNames(matchers);

            public void Dispose() => inner.Dispose();
        }

        private sealed class HistSeries(LabelSet labels, List<(long T, FloatHistogram H)> samples) : ISeries
        {
            public LabelSet Labels => labels;

            public ISampleIterator Iterator(ISampleIterator? reuse = null) => new HistIterator(samples);
        }

        private sealed class HistIterator(List<(long T, FloatHistogram H)> samples) : ISampleIterator
        {
            private int _i = -1;

            public long T => samples[_i].T;

            public double V => 0;

            public FloatHistogram? H => samples[_i].H;

            public Exception? Error => null;

            public bool Next() => ++_i < samples.Count;

            public bool Seek(long t)
            {
                _i = Math.Max(_i, 0);
                while (_i < samples.Count && samples[_i].T < t)
                {
                    _i++;
                }
                return _i < samples.Count;
            }
        }
    }
}
