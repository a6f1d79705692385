using System.Diagnostics.Metrics;
using Vigil.Server.Metrics;

namespace Vigil.Server.Tests;

public class MeterBridgeTests
{
    private static string UniqueMeterName() => "Vigil.Test." + Guid.NewGuid().ToString("N");

    private static List<MetricFamily> Collect(MeterBridge bridge)
    {
        var list = new List<MetricFamily>();
        bridge.Collect(list);
        return list;
    }

    private static string Render(MeterBridge bridge) => PrometheusTextWriter.Write(Collect(bridge));

    [Fact]
    public void Collect_CounterWithTags_SumsPerTagSetRegardlessOfTagOrder()
    {
        string meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var bridge = new MeterBridge(meterFilter: m => m.Name == meterName);
        var c = meter.CreateCounter<long>("app.requests", "{request}", "Requests served.");
        c.Add(2, new("route", "/a"), new("code", 200));
        c.Add(3, new("code", 200), new("route", "/a"));
        c.Add(1, new KeyValuePair<string, object?>("route", "/b"), new("code", 500));

        Assert.Equal(
            "# HELP app_requests_total Requests served.\n" +
            "# TYPE app_requests_total counter\n" +
            "app_requests_total{code=\"200\",route=\"/a\"} 5\n" +
            "app_requests_total{code=\"500\",route=\"/b\"} 1\n",
            Render(bridge));
    }

    [Fact]
    public void Collect_UpDownCounterAndSyncGauge_AreGauges()
    {
        string meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var bridge = new MeterBridge(meterFilter: m => m.Name == meterName);
        var ud = meter.CreateUpDownCounter<int>("queue.length", "{item}");
        ud.Add(5);
        ud.Add(-2);
        var g = meter.CreateGauge<double>("temperature", "Cel");
        g.Record(20.5);
        g.Record(21.25);

        string text = Render(bridge);
        Assert.Contains("# TYPE queue_length gauge\nqueue_length 3\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE temperature_celsius gauge\ntemperature_celsius 21.25\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Collect_ObservableGauge_ShowsOnlyWhatTheLastCallbackReported()
    {
        string meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var bridge = new MeterBridge(meterFilter: m => m.Name == meterName);
        var devices = new List<string> { "sda", "sdb" };
        meter.CreateObservableGauge("disk.free", () => devices.Select(d => new Measurement<long>(100, new KeyValuePair<string, object?>("device", d))), "By");

        Assert.Contains("disk_free_bytes{device=\"sdb\"} 100", Render(bridge), StringComparison.Ordinal);
        devices.Remove("sdb");
        string text = Render(bridge);
        Assert.Contains("disk_free_bytes{device=\"sda\"} 100", text, StringComparison.Ordinal);
        Assert.DoesNotContain("sdb", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Collect_ObservableCounter_ReportsCumulativeValueNotSumOfObservations()
    {
        string meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var bridge = new MeterBridge(meterFilter: m => m.Name == meterName);
        long total = 10;
        meter.CreateObservableCounter("jobs.done", () => total, "{job}");
        Collect(bridge);
        total = 15;
        Assert.Contains("jobs_done_total 15\n", Render(bridge), StringComparison.Ordinal);
    }

    [Fact]
    public void Collect_HistogramWithAdvice_WritesCumulativeBucketsSumAndCount()
    {
        string meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var bridge = new MeterBridge(meterFilter: m => m.Name == meterName);
        var h = meter.CreateHistogram<double>("op.duration", "s", "Operation time.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1] });
        h.Record(0.05);
        h.Record(0.1);
        h.Record(0.5);
        h.Record(3);

        Assert.Equal(
            "# HELP op_duration_seconds Operation time.\n" +
            "# TYPE op_duration_seconds histogram\n" +
            "op_duration_seconds_bucket{le=\"0.1\"} 2\n" +
            "op_duration_seconds_bucket{le=\"1\"} 3\n" +
            "op_duration_seconds_bucket{le=\"+Inf\"} 4\n" +
            "op_duration_seconds_sum 3.65\n" +
            "op_duration_seconds_count 4\n",
            Render(bridge));
    }

    [Fact]
    public void Collect_SecondsHistogramWithoutAdvice_UsesPrometheusDefaultBuckets()
    {
        string meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var bridge = new MeterBridge(meterFilter: m => m.Name == meterName);
        meter.CreateHistogram<double>("fsync", "s").Record(0.003);
        var les = Collect(bridge).Single().Samples.Select(s => s.Labels.Get("le")).Where(l => l.Length > 0).ToList();
        Assert.Equal(["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"], les);
    }

    [Fact]
    public void Collect_SameInstrumentInTwoMeters_SumsIntoOneFamily()
    {
        string meterName = UniqueMeterName();
        using var m1 = new Meter(meterName);
        using var m2 = new Meter(meterName);
        using var bridge = new MeterBridge(meterFilter: m => m.Name == meterName);
        m1.CreateCounter<long>("appends").Add(3);
        m2.CreateCounter<long>("appends").Add(4);
        var family = Assert.Single(Collect(bridge));
        Assert.Equal(7, Assert.Single(family.Samples).Value);
    }

    [Fact]
    public void Collect_DisposedMeter_DisappearsFromOutput()
    {
        string meterName = UniqueMeterName();
        using var bridge = new MeterBridge(meterFilter: m => m.Name == meterName);
        var meter = new Meter(meterName);
        meter.CreateCounter<long>("short.lived").Add(1);
        Assert.Single(Collect(bridge));
        meter.Dispose();
        Assert.Empty(Collect(bridge));
    }

    [Fact]
    public void Record_ConcurrentAdds_LoseNothing()
    {
        string meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var bridge = new MeterBridge(meterFilter: m => m.Name == meterName);
        var c = meter.CreateCounter<long>("hits");
        var h = meter.CreateHistogram<long>("sizes", "By");
        Parallel.For(0, 4, t =>
        {
            for (int i = 0; i < 100_000; i++)
            {
                c.Add(1, new KeyValuePair<string, object?>("shard", t % 2));
                h.Record(7);
            }
        });
        var families = Collect(bridge).ToDictionary(f => f.Name);
        Assert.Equal([200_000, 200_000], families["hits_total"].Samples.Select(s => s.Value));
        Assert.Equal(400_000, families["sizes_bytes"].Samples.Single(s => s.Labels.Name == "sizes_bytes_count").Value);
        Assert.Equal(2_800_000, families["sizes_bytes"].Samples.Single(s => s.Labels.Name == "sizes_bytes_sum").Value);
    }

    [Fact]
    public void Record_TooManyTagCombinations_AreCapped()
    {
        string meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var bridge = new MeterBridge(meterFilter: m => m.Name == meterName);
        var c = meter.CreateCounter<long>("ids");
        for (int i = 0; i < MeterBridge.MaxPointsPerInstrument + 50; i++)
        {
            c.Add(1, new KeyValuePair<string, object?>("id", i));
        }
        Assert.Equal(MeterBridge.MaxPointsPerInstrument, Collect(bridge).Single().Samples.Count);
    }

    [Fact]
    public void Collect_DefaultFilter_IncludesDotnetRuntimeMeter()
    {
        using var bridge = new MeterBridge();
        try
        {
            throw new InvalidOperationException("counted");
        }
        catch (InvalidOperationException)
        {
        }
        var names = Collect(bridge).ToDictionary(f => f.Name);
        var gc = names["dotnet_gc_collections_total"];
        Assert.Equal(MetricType.Counter, gc.Type);
        Assert.Contains(gc.Samples, s => s.Labels.Get("gc_heap_generation") == "gen0");
        Assert.Contains("dotnet_process_memory_working_set_bytes", names.Keys);
        Assert.Contains(names["dotnet_exceptions_total"].Samples, s => s.Labels.Get("error_type") == "InvalidOperationException" && s.Value >= 1);
    }
}
