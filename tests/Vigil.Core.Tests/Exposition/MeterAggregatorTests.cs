using System.Buffers;
using System.Diagnostics.Metrics;
using System.Text;
using Vigil.Core.Exposition;

namespace Vigil.Core.Tests.Exposition;

public sealed class MeterAggregatorTests
{
    private static string UniqueMeterName() => "Vigil.Test." + Guid.NewGuid().ToString("N");

    private static MeterAggregator Listening(string meterName, List<string>? warnings = null)
    {
        var aggregator = new MeterAggregator(warn: warnings is null ? null : warnings.Add);
        aggregator.AddMeter(meterName);
        return aggregator;
    }

    private static List<MetricFamily> Collect(MeterAggregator aggregator)
    {
        var list = new List<MetricFamily>();
        aggregator.Collect(list);
        return list;
    }

    /// <summary>What the server's <c>/metrics</c> writes: the collected families through the text writer.</summary>
    private static string Render(MeterAggregator aggregator)
    {
        var buffer = new ArrayBufferWriter<byte>();
        TextFormatWriter.Write(buffer, Collect(aggregator), ExpositionFormatKind.PrometheusText);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>What the SDK's <c>/metrics</c> writes: the aggregator straight into the writer.</summary>
    private static string Write(MeterAggregator aggregator, ExpositionFormatKind format = ExpositionFormatKind.PrometheusText)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new TextFormatWriter(buffer, format);
        aggregator.Write(writer);
        writer.Finish();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Collect_CounterWithTags_SumsPerTagSetRegardlessOfTagOrder()
    {
        string meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var aggregator = Listening(meterName);
        var c = meter.CreateCounter<long>("app.requests", "{request}", "Requests served.");
        c.Add(2, new("route", "/a"), new("code", 200));
        c.Add(3, new("code", 200), new("route", "/a"));
        c.Add(1, new KeyValuePair<string, object?>("route", "/b"), new("code", 500));

        string expected =
            "# HELP app_requests_total Requests served.\n" +
            "# TYPE app_requests_total counter\n" +
            "app_requests_total{code=\"200\",route=\"/a\"} 5\n" +
            "app_requests_total{code=\"500\",route=\"/b\"} 1\n";
        Assert.Equal(expected, Render(aggregator));
        Assert.Equal(expected, Write(aggregator));
    }

    [Fact]
    public void Collect_UpDownCounterAndSyncGauge_AreGauges()
    {
        string meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var aggregator = Listening(meterName);
        var ud = meter.CreateUpDownCounter<int>("queue.length", "{item}");
        ud.Add(5);
        ud.Add(-2);
        var g = meter.CreateGauge<double>("temperature", "Cel");
        g.Record(20.5);
        g.Record(21.25);

        string text = Render(aggregator);
        Assert.Contains("# TYPE queue_length gauge\nqueue_length 3\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE temperature_celsius gauge\ntemperature_celsius 21.25\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Collect_InstrumentWithoutDescription_WritesNoHelpLine()
    {
        string meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var aggregator = Listening(meterName);
        meter.CreateCounter<long>("plain").Add(1);

        Assert.Equal("# TYPE plain_total counter\nplain_total 1\n", Render(aggregator));
        Assert.Null(Assert.Single(Collect(aggregator)).Help);
    }

    [Fact]
    public void Collect_ObservableGauge_ShowsOnlyWhatTheLastCallbackReported()
    {
        string meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var aggregator = Listening(meterName);
        var devices = new List<string> { "sda", "sdb" };
        meter.CreateObservableGauge("disk.free", () => devices.Select(d => new Measurement<long>(100, new KeyValuePair<string, object?>("device", d))), "By");

        Assert.Contains("disk_free_bytes{device=\"sdb\"} 100", Render(aggregator), StringComparison.Ordinal);
        devices.Remove("sdb");
        string text = Render(aggregator);
        Assert.Contains("disk_free_bytes{device=\"sda\"} 100", text, StringComparison.Ordinal);
        Assert.DoesNotContain("sdb", text, StringComparison.Ordinal);
        Assert.DoesNotContain("sdb", Write(aggregator), StringComparison.Ordinal);
    }

    [Fact]
    public void Collect_ObservableCounter_ReportsCumulativeValueNotSumOfObservations()
    {
        string meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var aggregator = Listening(meterName);
        long total = 10;
        meter.CreateObservableCounter("jobs.done", () => total, "{job}");
        Collect(aggregator);
        total = 15;
        Assert.Contains("jobs_done_total 15\n", Render(aggregator), StringComparison.Ordinal);
    }

    [Fact]
    public void Collect_HistogramWithAdvice_WritesCumulativeBucketsSumAndCount()
    {
        string meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var aggregator = Listening(meterName);
        var h = meter.CreateHistogram<double>("op.duration", "s", "Operation time.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1] });
        h.Record(0.05);
        h.Record(0.1);
        h.Record(0.5);
        h.Record(3);

        string expected =
            "# HELP op_duration_seconds Operation time.\n" +
            "# TYPE op_duration_seconds histogram\n" +
            "op_duration_seconds_bucket{le=\"0.1\"} 2\n" +
            "op_duration_seconds_bucket{le=\"1\"} 3\n" +
            "op_duration_seconds_bucket{le=\"+Inf\"} 4\n" +
            "op_duration_seconds_sum 3.65\n" +
            "op_duration_seconds_count 4\n";
        Assert.Equal(expected, Render(aggregator));
        Assert.Equal(expected, Write(aggregator));
    }

    [Fact]
    public void Write_HistogramWithTags_LeLastAndOpenMetricsBoundsWithPointZero()
    {
        string meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var aggregator = Listening(meterName);
        var h = meter.CreateHistogram<long>("batch.size", "{item}", "Items per batch.",
            tags: null, advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [10] });
        h.Record(4, new KeyValuePair<string, object?>("queue", "q1"));

        Assert.Equal(
            "# HELP batch_size Items per batch.\n" +
            "# TYPE batch_size histogram\n" +
            "batch_size_bucket{queue=\"q1\",le=\"10.0\"} 1.0\n" +
            "batch_size_bucket{queue=\"q1\",le=\"+Inf\"} 1.0\n" +
            "batch_size_sum{queue=\"q1\"} 4.0\n" +
            "batch_size_count{queue=\"q1\"} 1.0\n" +
            "# EOF\n",
            Write(aggregator, ExpositionFormatKind.OpenMetrics));
    }

    [Fact]
    public void Collect_DecimalHistogramWithAdvice_UsesTheAdvisedBuckets()
    {
        string meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var aggregator = Listening(meterName);
        var h = meter.CreateHistogram<decimal>("order.amount", "{USD}", "Order amounts.",
            tags: null, advice: new InstrumentAdvice<decimal> { HistogramBucketBoundaries = [10m, 100m] });
        h.Record(5m);
        h.Record(50m);
        h.Record(500m);

        var les = Collect(aggregator).Single().Samples.Select(s => s.Labels.Get("le")).Where(l => l.Length > 0).ToList();
        Assert.Equal(["10", "100", "+Inf"], les);
        Assert.Contains("order_amount_bucket{le=\"100\"} 2\n", Render(aggregator), StringComparison.Ordinal);
    }

    [Fact]
    public void Collect_SecondsHistogramWithoutAdvice_UsesPrometheusDefaultBuckets()
    {
        string meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var aggregator = Listening(meterName);
        meter.CreateHistogram<double>("fsync", "s").Record(0.003);
        var les = Collect(aggregator).Single().Samples.Select(s => s.Labels.Get("le")).Where(l => l.Length > 0).ToList();
        Assert.Equal(["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"], les);
    }

    [Fact]
    public void Collect_SameInstrumentInTwoMeters_SumsIntoOneFamily()
    {
        string meterName = UniqueMeterName();
        using var m1 = new Meter(meterName);
        using var m2 = new Meter(meterName);
        using var aggregator = Listening(meterName);
        m1.CreateCounter<long>("appends").Add(3);
        m2.CreateCounter<long>("appends").Add(4);
        var family = Assert.Single(Collect(aggregator));
        Assert.Equal(7, Assert.Single(family.Samples).Value);
        Assert.Equal("# TYPE appends_total counter\nappends_total 7\n", Write(aggregator));
    }

    [Fact]
    public void Collect_SameNameAsAnotherType_LeftOutWithAWarning()
    {
        string meterName = UniqueMeterName();
        var warnings = new List<string>();
        using var meter = new Meter(meterName);
        using var aggregator = Listening(meterName, warnings);
        meter.CreateUpDownCounter<long>("depth").Add(3);
        meter.CreateHistogram<long>("depth").Record(4);

        Assert.Equal("# TYPE depth gauge\ndepth 3\n", Render(aggregator));
        Assert.Contains("Metric depth from instrument depth", Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void AddMeters_OverlappingWithAddMeter_CountsEachMeasurementOnce()
    {
        string meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var aggregator = Listening(meterName);
        aggregator.AddMeter(meterName);
        aggregator.AddMeters(m => m.Name == meterName);
        meter.CreateCounter<long>("hits").Add(1);

        Assert.Equal("# TYPE hits_total counter\nhits_total 1\n", Render(aggregator));
    }

    [Fact]
    public void Collect_TagKeysCollidingAfterSanitizing_JoinValuesWithSemicolon()
    {
        string meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var aggregator = Listening(meterName);
        meter.CreateCounter<long>("calls").Add(1, new("http.method", "GET"), new("http_method", "get"), new("empty", ""));

        Assert.Contains("calls_total{http_method=\"GET;get\"} 1\n", Render(aggregator), StringComparison.Ordinal);
        Assert.Contains("calls_total{http_method=\"GET;get\"} 1\n", Write(aggregator), StringComparison.Ordinal);
    }

    [Fact]
    public void Collect_DisposedMeter_DisappearsFromOutput()
    {
        string meterName = UniqueMeterName();
        using var aggregator = Listening(meterName);
        var meter = new Meter(meterName);
        meter.CreateCounter<long>("short.lived").Add(1);
        Assert.Single(Collect(aggregator));
        meter.Dispose();
        Assert.Empty(Collect(aggregator));
    }

    [Fact]
    public void Record_ConcurrentAdds_LoseNothing()
    {
        string meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var aggregator = Listening(meterName);
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
        var families = Collect(aggregator).ToDictionary(f => f.Name);
        Assert.Equal([200_000, 200_000], families["hits_total"].Samples.Select(s => s.Value));
        Assert.Equal(400_000, families["sizes_bytes"].Samples.Single(s => s.Labels.Name == "sizes_bytes_count").Value);
        Assert.Equal(2_800_000, families["sizes_bytes"].Samples.Single(s => s.Labels.Name == "sizes_bytes_sum").Value);
    }

    [Fact]
    public void Record_TooManyTagCombinations_LaterOnesGoToTheOverflowPoint()
    {
        string meterName = UniqueMeterName();
        var warnings = new List<string>();
        using var meter = new Meter(meterName);
        using var aggregator = Listening(meterName, warnings);
        var c = meter.CreateCounter<long>("ids");
        for (int i = 0; i < MeterAggregator.MaxPointsPerInstrument + 50; i++)
        {
            c.Add(1, new KeyValuePair<string, object?>("id", i));
        }
        c.Add(2, new KeyValuePair<string, object?>("id", MeterAggregator.MaxPointsPerInstrument + 60));

        var samples = Collect(aggregator).Single().Samples;
        Assert.Equal(MeterAggregator.MaxPointsPerInstrument + 1, samples.Count);
        Assert.Equal(52, samples.Single(s => s.Labels.Get("otel_metric_overflow") == "true").Value);
        Assert.Equal(MeterAggregator.MaxPointsPerInstrument + 52, samples.Sum(s => s.Value));
        Assert.Contains("ids_total{otel_metric_overflow=\"true\"} 52\n", Render(aggregator), StringComparison.Ordinal);
        Assert.Contains("more than 2000 tag combinations", Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ExcludedMeter_LeftOut()
    {
        string meterName = UniqueMeterName();
        string otherName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var other = new Meter(otherName);
        using var aggregator = Listening(meterName);
        aggregator.AddMeter(otherName);
        meter.CreateCounter<long>("kept").Add(1);
        other.CreateCounter<long>("native").Add(1);

        var buffer = new ArrayBufferWriter<byte>();
        aggregator.Write(new TextFormatWriter(buffer), new HashSet<string> { otherName });
        Assert.Equal("# TYPE kept_total counter\nkept_total 1\n", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }
}
