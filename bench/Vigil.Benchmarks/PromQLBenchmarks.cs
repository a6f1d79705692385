using System.Globalization;
using BenchmarkDotNet.Attributes;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.PromQL.Engine;

namespace Vigil.Benchmarks;

/// <summary>
/// Range queries over an in-memory TSDB head: 2,000 counters, 200 <c>up</c> gauges and 2,000 histogram buckets
/// (200 instances × 10 <c>le</c>), 2 h at 15 s scrape interval; each query covers the last hour at a 30 s step
/// (121 steps). See docs/BENCHMARKS.md for the latest results.
/// </summary>
/// <remarks>
/// Latest results (shared 2-core AMD EPYC VM, .NET 10.0.12, BenchmarkDotNet 0.14, 6 iterations):
/// <code>
/// | Query                                                                                  | Mean      | StdDev   | Allocated |
/// |----------------------------------------------------------------------------------------|----------:|---------:|----------:|
/// | `rate(http_requests_total[5m])`                                                        |  18.91 ms |  0.49 ms |   5.28 MB |
/// | `sum by (job) (rate(http_requests_total[5m]))`                                         |  21.98 ms |  1.72 ms |   1.81 MB |
/// | `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))` |  23.95 ms |  3.13 ms |   1.95 MB |
/// | `topk(10, rate(http_requests_total[5m]))`                                              |  24.54 ms |  5.86 ms |   1.75 MB |
/// | `rate(http_requests_total[5m]) * on (job, instance) group_left up`                     |  31.48 ms |  0.20 ms |  11.34 MB |
/// | `avg_over_time(http_requests_total[1h])`                                               |  97.29 ms |  8.84 ms |   5.35 MB |
/// | `max_over_time(rate(http_requests_total[5m])[1h:1m])`                                  |  48.60 ms |  2.03 ms |   9.46 MB |
/// </code>
/// </remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 6)]
public class PromQLBenchmarks
{
    private const long Hour = 3_600_000;
    private const long Step = 30_000;
    private readonly PromQLEngine _engine = new();
    private HeadStorage _storage = null!;

    [Params(
        "rate(http_requests_total[5m])",
        "sum by (job) (rate(http_requests_total[5m]))",
        "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
        "topk(10, rate(http_requests_total[5m]))",
        "rate(http_requests_total[5m]) * on (job, instance) group_left up",
        "avg_over_time(http_requests_total[1h])",
        "max_over_time(rate(http_requests_total[5m])[1h:1m])")]
    public string Query { get; set; } = string.Empty;

    [GlobalSetup]
    public void Setup() => _storage = BuildStorage();

    internal static HeadStorage BuildStorage()
    {
        var storage = new HeadStorage();
        var rnd = new Random(7);
        const int instances = 200;
        const int samples = 480;
        var series = new List<(LabelSet Labels, double Rate, bool Counter)>();
        for (int i = 0; i < instances; i++)
        {
            string job = "job" + (i % 10).ToString(CultureInfo.InvariantCulture);
            string inst = "host-" + i.ToString(CultureInfo.InvariantCulture);
            for (int h = 0; h < 10; h++)
            {
                series.Add((LabelSet.Of("__name__", "http_requests_total", "job", job, "instance", inst, "handler", "/api/" + h.ToString(CultureInfo.InvariantCulture)), 1 + rnd.NextDouble() * 10, true));
            }
            series.Add((LabelSet.Of("__name__", "up", "job", job, "instance", inst), 0, false));
            string[] les = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"];
            for (int b = 0; b < les.Length; b++)
            {
                series.Add((LabelSet.Of("__name__", "http_request_duration_seconds_bucket", "job", job, "instance", inst, "le", les[b]), (b + 1) * 0.5, true));
            }
        }
        var refs = new SeriesRef[series.Count];
        var values = new double[series.Count];
        for (int t = 0; t < samples; t++)
        {
            var app = storage.Appender();
            for (int s = 0; s < series.Count; s++)
            {
                var (labels, rate, counter) = series[s];
                values[s] = counter ? values[s] + (rate * 15 * (0.5 + rnd.NextDouble())) : 1;
                app.TryAppend(ref refs[s], labels, t * 15_000L, values[s], out _);
            }
            app.Commit();
        }
        return storage;
    }

    /// <summary>One range query over the last hour of data.</summary>
    [Benchmark]
    public int RangeQuery()
    {
        var res = _engine.RangeQuery(_storage, Query, Hour, 2 * Hour - 15_000, Step);
        return ((MatrixValue)res.Value).Series.Count;
    }
}

/// <summary>The TSDB head (no WAL) as an <see cref="IStorage"/>.</summary>
internal sealed class HeadStorage : IStorage
{
    private readonly Vigil.Tsdb.Head.Head _head = new();

    public long StartTime => _head.MinTime;

    public IAppender Appender() => _head.Appender();

    public IQuerier Querier(long mint, long maxt) => _head.Querier(mint, maxt);
}
