using Vigil.Collection.Otlp;
using Vigil.Collection.Otlp.Proto;
using Vigil.Collection.Push;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Server.Tests.TestSupport;
using static Vigil.Server.Tests.Otlp.OtlpRequests;

namespace Vigil.Server.Tests.Otlp;

/// <summary>OTLP requests as the series they become: names, labels, values, delta totals and what is refused.</summary>
public sealed class OtlpReceiverTests
{
    private readonly MemoryStorage _storage = new();
    private readonly PushedMetadata _metadata = new();

    private OtlpReceiver Receiver(OtlpOptions? options = null) => new(_storage, _metadata, options ?? new OtlpOptions(), TimeProvider.System);

    private List<(long T, double V)> Values(string name, params string[] labels)
    {
        var matches = _storage.AllSeries().Where(s => s.Name == name && Matches(s, labels)).ToList();
        var series = Assert.Single(matches);
        return _storage.SamplesOf(series).Select(s => (s.T, s.V)).ToList();
    }

    private static bool Matches(LabelSet s, string[] labels)
    {
        for (int i = 0; i < labels.Length; i += 2)
        {
            if (s.Get(labels[i]) != labels[i + 1])
            {
                return false;
            }
        }
        return true;
    }

    private LabelSet Only(string name) => Assert.Single(_storage.AllSeries(), s => s.Name == name);

    [Fact]
    public void Export_CounterAndGauge_NamedWithSuffixesJobInstanceAndTargetInfo()
    {
        var request = Request(
            [Attr("service.name", "checkout"), Attr("service.namespace", "shop"), Attr("service.instance.id", "pod-1"), Attr("deployment.environment", "prod")],
            Sum("http.server.requests", "{request}", true, AggregationTemporality.Cumulative, Point(T0, 12, Attr("http.route", "/cart"))),
            Gauge("process.memory.usage", "By", Point(T0, 4096)));

        var result = Receiver().Export(request);

        Assert.Equal(0, result.RejectedPoints);
        Assert.Equal(LabelSet.Of("__name__", "http_server_requests_total", "http_route", "/cart", "job", "shop/checkout", "instance", "pod-1"), Only("http_server_requests_total"));
        Assert.Equal([(T0, 12.0)], Values("http_server_requests_total"));
        Assert.Equal([(T0, 4096.0)], Values("process_memory_usage_bytes", "job", "shop/checkout", "instance", "pod-1"));
        Assert.Equal(LabelSet.Of("__name__", "target_info", "deployment_environment", "prod", "job", "shop/checkout", "instance", "pod-1"), Only("target_info"));
        Assert.Equal([(T0, 1.0)], Values("target_info"));
        var md = _metadata.All().Single(m => m.Metric == "process_memory_usage_bytes");
        Assert.Equal("gauge", md.TypeName);
        Assert.Equal("bytes", md.Unit);
    }

    [Fact]
    public void Export_OnlyIdentifyingResourceAttributes_NoTargetInfo()
    {
        Receiver().Export(Request(Gauge("queue", "", Point(T0, 1))));
        Assert.DoesNotContain(_storage.AllSeries(), s => s.Name == "target_info");
    }

    [Fact]
    public void Export_TargetInfoOverTime_OneSampleEveryTwoAndAHalfMinutes()
    {
        Receiver().Export(Request([Attr("service.name", "a"), Attr("host.name", "h")], Gauge("g", "", Point(T0, 1), Point(T0 + 360_000, 2))));
        Assert.Equal([T0, T0 + 150_000, T0 + 300_000, T0 + 360_000], Values("target_info").Select(v => v.T));
    }

    [Fact]
    public void Export_PromotedAndCollidingAttributes_AsPrometheus()
    {
        var options = new OtlpOptions { PromoteResourceAttributes = ["deployment.environment", "k8s.namespace.name"] };
        var request = Request(
            [Attr("service.name", "checkout"), Attr("deployment.environment", "prod"), Attr("k8s.namespace.name", "web")],
            Gauge("temp", "Cel", Point(T0, 21.5, Attr("k8s.namespace.name", "override"), Attr("a.b", "1"), Attr("a_b", "2"))));

        Receiver(options).Export(request);

        var s = Only("temp_celsius");
        Assert.Equal("prod", s.Get("deployment_environment"));
        // The data point's own attribute wins over the promoted one; keys that translate alike are joined in key order.
        Assert.Equal("override", s.Get("k8s_namespace_name"));
        Assert.Equal("1;2", s.Get("a_b"));
    }

    [Fact]
    public void Export_DeltaSums_AddedUpIntoOneCumulativeCounter()
    {
        var receiver = Receiver();
        NumberDataPoint Delta(long start, long end, double v)
        {
            var p = Point(end, v, Attr("route", "/a"));
            p.StartTimeUnixNano = Nanos(start);
            return p;
        }

        receiver.Export(Request(Sum("orders", "", true, AggregationTemporality.Delta, Delta(T0, T0 + 10_000, 3))));
        receiver.Export(Request(Sum("orders", "", true, AggregationTemporality.Delta, Delta(T0 + 10_000, T0 + 20_000, 4))));
        var repeated = receiver.Export(Request(Sum("orders", "", true, AggregationTemporality.Delta, Delta(T0 + 10_000, T0 + 20_000, 4))));

        // The zero at the first interval's start is the counter's created timestamp.
        Assert.Equal([(T0, 0.0), (T0 + 10_000, 3.0), (T0 + 20_000, 7.0)], Values("orders_total"));
        Assert.Equal(1, repeated.RejectedPoints);
        Assert.Contains("not newer than the previous one", repeated.RejectedMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_RefusedRequestWithDeltaPoint_TotalsUnchanged()
    {
        var receiver = Receiver();
        receiver.Export(Request(Sum("orders", "", true, AggregationTemporality.Delta, Point(T0, 3))));

        var bad = Request(
            Sum("orders", "", true, AggregationTemporality.Delta, Point(T0 + 10_000, 4)),
            Gauge("broken", "", new NumberDataPoint { TimeUnixNano = Nanos(T0) }));
        var e = Assert.Throws<OtlpException>(() => receiver.Export(bad));
        Assert.Contains("\"broken\": a data point has no value", e.Message, StringComparison.Ordinal);

        receiver.Export(Request(Sum("orders", "", true, AggregationTemporality.Delta, Point(T0 + 20_000, 5))));
        Assert.Equal([(T0, 3.0), (T0 + 20_000, 8.0)], Values("orders_total"));
        Assert.DoesNotContain(_storage.AllSeries(), s => s.Name == "broken");
    }

    [Fact]
    public void Export_DeltaSeriesBeyondTheLimit_RejectedAsPartialSuccess()
    {
        var receiver = Receiver(new OtlpOptions { MaxDeltaSeries = 2 });
        var result = receiver.Export(Request(Sum("hits", "", true, AggregationTemporality.Delta,
            Point(T0, 1, Attr("k", "a")), Point(T0, 1, Attr("k", "b")), Point(T0, 1, Attr("k", "c")))));
        Assert.Equal(1, result.RejectedPoints);
        Assert.Contains("otlp.max_delta_series", result.RejectedMessage, StringComparison.Ordinal);
        Assert.Equal(2, _storage.AllSeries().Count(s => s.Name == "hits_total"));
    }

    [Fact]
    public void Export_DeltaUpDownCounter_RunningSumAsGauge()
    {
        var receiver = Receiver();
        receiver.Export(Request(Sum("queue.depth", "{item}", false, AggregationTemporality.Delta, Point(T0, 5))));
        receiver.Export(Request(Sum("queue.depth", "{item}", false, AggregationTemporality.Delta, Point(T0 + 1000, -2))));
        Assert.Equal([(T0, 5.0), (T0 + 1000, 3.0)], Values("queue_depth"));
    }

    [Fact]
    public void Export_CumulativeHistogram_ClassicBucketsSumAndCount()
    {
        var p = HistogramPoint(T0, [0.1, 0.5, 1], [1, 1, 1, 1], 3.05);
        p.Attributes.Add(Attr("route", "/a"));
        Receiver().Export(Request(Histogram("http.server.request.duration", "s", AggregationTemporality.Cumulative, p)));

        Assert.Equal(1.0, Values("http_server_request_duration_seconds_bucket", "le", "0.1").Single().V);
        Assert.Equal(2.0, Values("http_server_request_duration_seconds_bucket", "le", "0.5").Single().V);
        Assert.Equal(3.0, Values("http_server_request_duration_seconds_bucket", "le", "1").Single().V);
        Assert.Equal(4.0, Values("http_server_request_duration_seconds_bucket", "le", "+Inf").Single().V);
        Assert.Equal(3.05, Values("http_server_request_duration_seconds_sum").Single().V);
        Assert.Equal(4.0, Values("http_server_request_duration_seconds_count", "route", "/a").Single().V);
    }

    [Fact]
    public void Export_DeltaHistogram_BucketsAddUp()
    {
        var receiver = Receiver();
        receiver.Export(Request(Histogram("latency", "ms", AggregationTemporality.Delta, HistogramPoint(T0, [10, 100], [1, 0, 0], 5))));
        receiver.Export(Request(Histogram("latency", "ms", AggregationTemporality.Delta, HistogramPoint(T0 + 1000, [10, 100], [1, 2, 1], 500))));

        Assert.Equal([(T0, 1.0), (T0 + 1000, 2.0)], Values("latency_milliseconds_bucket", "le", "10"));
        Assert.Equal([(T0, 1.0), (T0 + 1000, 4.0)], Values("latency_milliseconds_bucket", "le", "100"));
        Assert.Equal([(T0, 1.0), (T0 + 1000, 5.0)], Values("latency_milliseconds_bucket", "le", "+Inf"));
        Assert.Equal([(T0, 5.0), (T0 + 1000, 505.0)], Values("latency_milliseconds_sum"));
    }

    [Fact]
    public void Export_ExponentialHistogram_PowerOfTwoBuckets()
    {
        // Scale 1: bucket i is (2^(i/2), 2^((i+1)/2)]. Index 1 is (1.41, 2], 2 is (2, 2.83], 5 is (5.66, 8]; the empty
        // (2, 4] of scale 0 between them is written too.
        var p = new ExponentialHistogramDataPoint
        {
            TimeUnixNano = Nanos(T0), Scale = 1, Count = 6, Sum = 30, ZeroCount = 1,
            Positive = new ExponentialHistogramDataPoint.Types.Buckets { Offset = 1 },
            Negative = new ExponentialHistogramDataPoint.Types.Buckets { Offset = 0 },
        };
        p.Positive.BucketCounts.AddRange([2, 0, 0, 0, 2]);
        p.Negative.BucketCounts.Add(1); // (-1.41, -1]
        var m = new Metric { Name = "payload.size", Unit = "By", ExponentialHistogram = new ExponentialHistogram { AggregationTemporality = AggregationTemporality.Cumulative } };
        m.ExponentialHistogram.DataPoints.Add(p);

        Receiver().Export(Request(m));

        var buckets = _storage.AllSeries().Where(s => s.Name == "payload_size_bytes_bucket")
            .ToDictionary(s => s.Get("le"), s => _storage.SamplesOf(s).Single().V);
        Assert.Equal(new Dictionary<string, double>
        {
            ["-1"] = 1, ["0"] = 2, ["2"] = 4, ["4"] = 4, ["8"] = 6, ["+Inf"] = 6,
        }, buckets);
        Assert.Equal(6.0, Values("payload_size_bytes_count").Single().V);
        Assert.Equal(30.0, Values("payload_size_bytes_sum").Single().V);
        Assert.Equal("histogram", _metadata.All().Single(md => md.Metric == "payload_size_bytes").TypeName);
    }

    [Fact]
    public void Export_ExponentialHistogramScaleChanges_SameBounds()
    {
        // The same observations at scale 3 and scale 0 land in the same power-of-two buckets.
        static Metric At(int scale, int offset, ulong[] counts, long t)
        {
            var p = new ExponentialHistogramDataPoint { TimeUnixNano = Nanos(t), Scale = scale, Count = (ulong)counts.Sum(c => (long)c), Positive = new() { Offset = offset } };
            p.Positive.BucketCounts.AddRange(counts);
            var m = new Metric { Name = "x", ExponentialHistogram = new ExponentialHistogram { AggregationTemporality = AggregationTemporality.Cumulative } };
            m.ExponentialHistogram.DataPoints.Add(p);
            return m;
        }
        var receiver = Receiver();
        receiver.Export(Request(At(3, 8, [1, 0, 0, 0, 0, 0, 0, 0, 1], T0)));  // (2, 2.18] and (4, 4.36]
        receiver.Export(Request(At(0, 1, [1, 1], T0 + 1000)));              // (2, 4] and (4, 8]
        Assert.Equal(["+Inf", "4", "8"], _storage.AllSeries().Where(s => s.Name == "x_bucket").Select(s => s.Get("le")).Order(StringComparer.Ordinal));
        Assert.Equal([(T0, 1.0), (T0 + 1000, 1.0)], Values("x_bucket", "le", "4"));
    }

    [Fact]
    public void Export_Summary_QuantilesSumAndCount()
    {
        var p = new SummaryDataPoint { TimeUnixNano = Nanos(T0), Count = 10, Sum = 42 };
        p.QuantileValues.Add(new SummaryDataPoint.Types.ValueAtQuantile { Quantile = 0.5, Value = 3 });
        p.QuantileValues.Add(new SummaryDataPoint.Types.ValueAtQuantile { Quantile = 0.99, Value = 9 });
        var m = new Metric { Name = "rpc.duration", Unit = "s", Summary = new Summary() };
        m.Summary.DataPoints.Add(p);

        Receiver().Export(Request(m));

        Assert.Equal(3.0, Values("rpc_duration_seconds", "quantile", "0.5").Single().V);
        Assert.Equal(9.0, Values("rpc_duration_seconds", "quantile", "0.99").Single().V);
        Assert.Equal(42.0, Values("rpc_duration_seconds_sum").Single().V);
        Assert.Equal(10.0, Values("rpc_duration_seconds_count").Single().V);
    }

    [Fact]
    public void Export_StartTime_ZeroAtTheCreatedTimestampOncePerStart()
    {
        var receiver = Receiver();
        NumberDataPoint At(long start, long t, double v)
        {
            var p = Point(t, v);
            p.StartTimeUnixNano = Nanos(start);
            return p;
        }

        receiver.Export(Request(Sum("jobs", "", true, AggregationTemporality.Cumulative, At(T0, T0 + 5000, 4))));
        receiver.Export(Request(Sum("jobs", "", true, AggregationTemporality.Cumulative, At(T0, T0 + 10_000, 6))));
        // A restart: a new start time, a new zero.
        receiver.Export(Request(Sum("jobs", "", true, AggregationTemporality.Cumulative, At(T0 + 12_000, T0 + 15_000, 1))));

        Assert.Equal([(T0, 0.0), (T0 + 5000, 4.0), (T0 + 10_000, 6.0), (T0 + 12_000, 0.0), (T0 + 15_000, 1.0)], Values("jobs_total"));
    }

    [Fact]
    public void Export_StartTimeWithZeroIngestionOff_NoZero()
    {
        var p = Point(T0 + 5000, 4);
        p.StartTimeUnixNano = Nanos(T0);
        Receiver(new OtlpOptions { CreatedTimestampZeroIngestion = false }).Export(Request(Sum("jobs", "", true, AggregationTemporality.Cumulative, p)));
        Assert.Equal([(T0 + 5000, 4.0)], Values("jobs_total"));
    }

    [Fact]
    public void Export_NoRecordedValueFlag_StoresStaleMarker()
    {
        var p = Point(T0, 0);
        p.Flags = (uint)DataPointFlags.NoRecordedValueMask;
        Receiver().Export(Request(Gauge("gone", "", p)));
        Assert.True(StaleMarker.IsStaleNaN(Values("gone").Single().V));
    }

    [Fact]
    public void Export_Utf8Strategy_KeepsDotsInNamesAndLabels()
    {
        Receiver(new OtlpOptions { TranslationStrategy = OtlpTranslationStrategy.NoUTF8EscapingWithSuffixes })
            .Export(Request(Sum("http.server.requests", "", true, AggregationTemporality.Cumulative, Point(T0, 1, Attr("http.route", "/")))));
        Assert.Equal("/", Only("http.server.requests_total").Get("http.route"));
    }

    [Fact]
    public void Export_ScopeMetadataPromoted_OtelScopeLabels()
    {
        Receiver(new OtlpOptions { PromoteScopeMetadata = true }).Export(Request(Gauge("g", "", Point(T0, 1))));
        var s = Only("g");
        Assert.Equal("shop", s.Get("otel_scope_name"));
        Assert.Equal("1.0", s.Get("otel_scope_version"));
    }

    [Theory]
    [InlineData("bounds")]
    [InlineData("counts")]
    [InlineData("time")]
    [InlineData("temporality")]
    [InlineData("scale")]
    [InlineData("name")]
    public void Export_InvalidPoint_NothingOfTheRequestStored(string what)
    {
        Metric bad = what switch
        {
            "bounds" => Histogram("h", "", AggregationTemporality.Cumulative, HistogramPoint(T0, [1, 0.5], [1, 1, 1], 1)),
            "counts" => Histogram("h", "", AggregationTemporality.Cumulative, HistogramPoint(T0, [1, 2], [1, 1], 1)),
            "time" => Gauge("g", "", Point(0, 1)),
            "temporality" => Sum("s", "", true, AggregationTemporality.Unspecified, Point(T0, 1)),
            "scale" => new Metric
            {
                Name = "e",
                ExponentialHistogram = new ExponentialHistogram
                {
                    AggregationTemporality = AggregationTemporality.Cumulative,
                    DataPoints = { new ExponentialHistogramDataPoint { TimeUnixNano = Nanos(T0), Scale = 21 } },
                },
            },
            _ => Gauge("...", "", Point(T0, 1)),
        };
        var e = Assert.Throws<OtlpException>(() => Receiver().Export(Request(Gauge("fine", "", Point(T0, 1)), bad)));
        Assert.NotEmpty(e.Message);
        Assert.Empty(_storage.AllSeries());
        Assert.Equal(0, _storage.Commits);
    }
}
