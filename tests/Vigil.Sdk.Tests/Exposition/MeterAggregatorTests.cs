using System.Diagnostics.Metrics;
using Vigil.Core.Exposition;
using Vigil.Sdk.Exposition;
using Vigil.Sdk.Tests.TestSupport;

namespace Vigil.Sdk.Tests.Exposition;

public sealed class MeterAggregatorTests
{
    [Fact]
    public void AddMeter_CountersHistogramsGauges_ExportedWithPrometheusNames()
    {
        string meterName = "App.Test." + Guid.NewGuid().ToString("N");
        using var meter = new Meter(meterName);
        using var metrics = new VigilMetrics();
        metrics.AddMeter(meterName);

        var requests = meter.CreateCounter<long>("app.requests", "{request}", "Requests served.");
        var latency = meter.CreateHistogram("app.latency", "ms", "Request latency.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [10, 100] });
        var inFlight = meter.CreateUpDownCounter<int>("app.in_flight");
        var temperature = meter.CreateGauge<double>("app.temperature", "Cel");
        int observed = 7;
        meter.CreateObservableGauge("app.queue.depth", () => observed);
        meter.CreateObservableCounter("app.bytes.read", () => new Measurement<long>(4096, new KeyValuePair<string, object?>("disk", "sda")), "By");

        requests.Add(2, new("route", "/a"), new("code", 200));
        requests.Add(3, new("code", 200), new("route", "/a"));
        requests.Add(1, new("route", "/b"), new("code", 500));
        latency.Record(5, new KeyValuePair<string, object?>("route", "/a"));
        latency.Record(10, new KeyValuePair<string, object?>("route", "/a"));
        latency.Record(50, new KeyValuePair<string, object?>("route", "/a"));
        latency.Record(500, new KeyValuePair<string, object?>("route", "/a"));
        inFlight.Add(3);
        inFlight.Add(-1);
        temperature.Record(21.5);
        temperature.Record(22.25);

        byte[] payload = metrics.ToArray();
        var m = Scrape.Parse(payload);
        var types = Scrape.Types(payload);
        // Tags given in a different order land in the same series.
        Assert.Equal(5, m["app_requests_total{code=\"200\",route=\"/a\"}"]);
        Assert.Equal(1, m["app_requests_total{code=\"500\",route=\"/b\"}"]);
        Assert.Equal(MetricType.Counter, types["app_requests_total"]);
        Assert.Equal(2, m["app_latency_milliseconds_bucket{le=\"10.0\",route=\"/a\"}"]);
        Assert.Equal(3, m["app_latency_milliseconds_bucket{le=\"100.0\",route=\"/a\"}"]);
        Assert.Equal(4, m["app_latency_milliseconds_bucket{le=\"+Inf\",route=\"/a\"}"]);
        Assert.Equal(565, m["app_latency_milliseconds_sum{route=\"/a\"}"]);
        Assert.Equal(4, m["app_latency_milliseconds_count{route=\"/a\"}"]);
        Assert.Equal(2, m["app_in_flight"]);
        Assert.Equal(MetricType.Gauge, types["app_in_flight"]);
        Assert.Equal(22.25, m["app_temperature_celsius"]);
        Assert.Equal(7, m["app_queue_depth"]);
        Assert.Equal(4096, m["app_bytes_read_bytes_total{disk=\"sda\"}"]);

        observed = 9;
        Assert.Equal(9, Scrape.Parse(metrics.ToArray())["app_queue_depth"]);
    }

    [Fact]
    public void Record_BeyondCardinalityLimit_OverflowSeries()
    {
        string meterName = "App.Card." + Guid.NewGuid().ToString("N");
        using var meter = new Meter(meterName);
        using var metrics = new VigilMetrics();
        metrics.AddMeter(meterName);
        var counter = meter.CreateCounter<long>("hits");
        for (int i = 0; i < MeterAggregator.MaxPointsPerInstrument + 10; i++)
        {
            counter.Add(1, new KeyValuePair<string, object?>("user", i));
        }
        var m = Scrape.Parse(metrics.ToArray());
        Assert.Equal(MeterAggregator.MaxPointsPerInstrument + 1, m.Keys.Count(k => k.StartsWith("hits_total", StringComparison.Ordinal)));
        Assert.Equal(10, m["hits_total{otel_metric_overflow=\"true\"}"]);
        Assert.Equal(1, m["hits_total{user=\"1999\"}"]);
    }

    [Fact]
    public async Task Record_ConcurrentThreads_NoLostUpdates()
    {
        string meterName = "App.Conc." + Guid.NewGuid().ToString("N");
        using var meter = new Meter(meterName);
        using var metrics = new VigilMetrics();
        metrics.AddMeter(meterName);
        var histogram = meter.CreateHistogram<double>("work.duration", "s");
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                histogram.Record(0.001, new KeyValuePair<string, object?>("worker", i % 8), new KeyValuePair<string, object?>("kind", "x"));
            }
        })));
        var m = Scrape.Parse(metrics.ToArray());
        double total = m.Where(p => p.Key.StartsWith("work_duration_seconds_count", StringComparison.Ordinal)).Sum(p => p.Value);
        Assert.Equal(80_000, total);
        Assert.Equal(10_000, m["work_duration_seconds_bucket{kind=\"x\",le=\"0.005\",worker=\"3\"}"]);
    }
}
