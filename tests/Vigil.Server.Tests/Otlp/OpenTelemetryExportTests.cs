using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Vigil.Collection.Otlp;
using Vigil.Sdk.Profiling;
using Vigil.Server.Security;
using Vigil.Server.Tests.Security;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Otlp;

/// <summary>
/// A real OpenTelemetry .NET SDK (1.21, <c>OpenTelemetry.Exporter.OpenTelemetryProtocol</c>) in this process exports to
/// a Vigil server over OTLP/HTTP (protobuf) and OTLP/gRPC; every value it recorded is then read back through PromQL with
/// the names and labels Prometheus 3 would give it.
/// </summary>
public sealed class OpenTelemetryExportTests : IAsyncLifetime
{
    private readonly MemoryStorage _storage = new();
    private readonly string _meterName = "Shop.Checkout." + Guid.NewGuid().ToString("N");
    private TestVigil _vigil = null!;

    private HttpClient Http => _vigil.Http;

    public async Task InitializeAsync() => _vigil = await TestVigil.StartAsync(new VigilServerOptions
    {
        Listen = TestVigil.Loopback,
        OtlpGrpcListen = TestVigil.Loopback,
        CollectHost = false,
        CollectSelf = false,
        CollectionInterval = TimeSpan.FromHours(1),
        Otlp = new OtlpOptions { PromoteResourceAttributes = ["deployment.environment"] },
    }, _storage);

    public async Task DisposeAsync() => await _vigil.DisposeAsync();

    private MeterProvider Provider(string meter, OtlpExportProtocol protocol, MetricReaderTemporalityPreference temporality = MetricReaderTemporalityPreference.Cumulative, string? headers = null, Uri? grpc = null)
        => OpenTelemetry.Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateDefault()
                .AddService("checkout", serviceNamespace: "shop", serviceInstanceId: "pod-1")
                .AddAttributes([new("deployment.environment", "test")]))
            .AddMeter(meter)
            .AddView("shop.request.duration", new ExplicitBucketHistogramConfiguration { Boundaries = [0.1, 0.5, 1] })
            .AddView("shop.payload.size", new Base2ExponentialBucketHistogramConfiguration())
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Protocol = protocol;
                exporter.Endpoint = protocol == OtlpExportProtocol.Grpc
                    ? grpc ?? _vigil.Server.OtlpGrpcAddress!
                    : new Uri(_vigil.Server.BaseAddress, "v1/metrics");
                exporter.Headers = headers;
                reader.TemporalityPreference = temporality;
                // Note: no timer exports during the test; ForceFlush exports when the test says so.
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 3_600_000;
            })
            .Build();

    /// <summary>Records values of every instrument kind (after the provider listens); returns the meter.</summary>
    private Meter RecordEverything()
    {
        var meter = new Meter(_meterName);
        var orders = meter.CreateCounter<long>("shop.orders", "{order}");
        orders.Add(3, new KeyValuePair<string, object?>("route", "/a"));
        orders.Add(4, new KeyValuePair<string, object?>("route", "/a"));
        var queue = meter.CreateUpDownCounter<long>("shop.queue.depth", "{item}");
        queue.Add(5);
        queue.Add(-2);
        meter.CreateGauge<double>("shop.temperature", "Cel").Record(21.5);
        var duration = meter.CreateHistogram<double>("shop.request.duration", "s");
        foreach (double v in new[] { 0.05, 0.3, 0.7, 2 })
        {
            duration.Record(v);
        }
        var payload = meter.CreateHistogram<long>("shop.payload.size", "By");
        foreach (long v in new[] { 100L, 1000, 5000 })
        {
            payload.Record(v);
        }
        return meter;
    }

    private async Task<List<(Dictionary<string, string> Labels, double Value)>> QueryAsync(string expr)
    {
        using var r = await Http.GetAsync("/api/v1/query?query=" + Uri.EscapeDataString(expr));
        string body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, body);
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(e => (
                e.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                double.Parse(e.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)))
            .ToList();
    }

    private async Task<double> ValueAsync(string expr)
    {
        var result = await QueryAsync(expr);
        Assert.True(result.Count == 1, $"{expr}: {result.Count} series");
        return result[0].Value;
    }

    private async Task AssertEverythingQueryableAsync()
    {
        var orders = Assert.Single(await QueryAsync("shop_orders_total"));
        Assert.Equal(7, orders.Value);
        Assert.Equal("shop/checkout", orders.Labels["job"]);
        Assert.Equal("pod-1", orders.Labels["instance"]);
        Assert.Equal("/a", orders.Labels["route"]);
        Assert.Equal("test", orders.Labels["deployment_environment"]);

        Assert.Equal(3, await ValueAsync("shop_queue_depth{job=\"shop/checkout\",instance=\"pod-1\"}"));
        Assert.Equal(21.5, await ValueAsync("shop_temperature_celsius"));

        Assert.Equal(1, await ValueAsync("shop_request_duration_seconds_bucket{le=\"0.1\"}"));
        Assert.Equal(2, await ValueAsync("shop_request_duration_seconds_bucket{le=\"0.5\"}"));
        Assert.Equal(3, await ValueAsync("shop_request_duration_seconds_bucket{le=\"1\"}"));
        Assert.Equal(4, await ValueAsync("shop_request_duration_seconds_bucket{le=\"+Inf\"}"));
        Assert.Equal(3.05, await ValueAsync("shop_request_duration_seconds_sum"), 9);
        Assert.Equal(4, await ValueAsync("shop_request_duration_seconds_count"));

        // Exponential buckets at powers of two: 100 ≤ 128, 1000 ≤ 1024, 5000 ≤ 8192.
        Assert.Equal(1, await ValueAsync("shop_payload_size_bytes_bucket{le=\"128\"}"));
        Assert.Equal(1, await ValueAsync("shop_payload_size_bytes_bucket{le=\"512\"}"));
        Assert.Equal(2, await ValueAsync("shop_payload_size_bytes_bucket{le=\"1024\"}"));
        Assert.Equal(3, await ValueAsync("shop_payload_size_bytes_bucket{le=\"8192\"}"));
        Assert.Equal(3, await ValueAsync("shop_payload_size_bytes_bucket{le=\"+Inf\"}"));
        Assert.Equal(6100, await ValueAsync("shop_payload_size_bytes_sum"));
        Assert.Equal(3, await ValueAsync("shop_payload_size_bytes_count"));
        // The median (rank 1.5 of 3) lies in (512, 1024], which holds one observation: PromQL interpolates to 768.
        Assert.Equal(768, await ValueAsync("histogram_quantile(0.5, shop_payload_size_bytes_bucket)"), 9);

        var info = Assert.Single(await QueryAsync("target_info"));
        Assert.Equal("shop/checkout", info.Labels["job"]);
        Assert.Equal("pod-1", info.Labels["instance"]);
        Assert.Equal("dotnet", info.Labels["telemetry_sdk_language"]);
        Assert.Equal("test", info.Labels["deployment_environment"]);
        Assert.False(info.Labels.ContainsKey("service_name"));
    }

    [Fact]
    public async Task HttpProtobuf_EveryInstrument_QueryableWithPrometheusNamesAndLabels()
    {
        using (var provider = Provider(_meterName, OtlpExportProtocol.HttpProtobuf))
        {
            using var meter = RecordEverything();
            Assert.True(provider.ForceFlush(30_000));
        }
        await AssertEverythingQueryableAsync();
    }

    [Fact]
    public async Task Grpc_EveryInstrument_QueryableWithPrometheusNamesAndLabels()
    {
        using (var provider = Provider(_meterName, OtlpExportProtocol.Grpc))
        {
            using var meter = RecordEverything();
            Assert.True(provider.ForceFlush(30_000));
        }
        await AssertEverythingQueryableAsync();
    }

    [Fact]
    public async Task HttpProtobuf_DeltaTemporality_StoredAsCumulativeTotals()
    {
        using var meter = new Meter(_meterName);
        var orders = meter.CreateCounter<long>("shop.orders", "{order}");
        var duration = meter.CreateHistogram<double>("shop.request.duration", "s");
        using var provider = Provider(_meterName, OtlpExportProtocol.HttpProtobuf, MetricReaderTemporalityPreference.Delta);
        orders.Add(3);
        duration.Record(0.3);
        Assert.True(provider.ForceFlush(30_000));
        await Task.Delay(20);
        orders.Add(4);
        duration.Record(2);
        Assert.True(provider.ForceFlush(30_000));

        Assert.Equal(7, await ValueAsync("shop_orders_total"));
        Assert.Equal(1, await ValueAsync("shop_request_duration_seconds_bucket{le=\"0.5\"}"));
        Assert.Equal(2, await ValueAsync("shop_request_duration_seconds_bucket{le=\"+Inf\"}"));
        Assert.Equal(2.3, await ValueAsync("shop_request_duration_seconds_sum"), 9);
    }

    [Fact]
    public async Task HttpProtobuf_VigilSdkInstruments_ExportedByAnOpenTelemetryApp()
    {
        // An app already on OpenTelemetry adds the profiler's meter to its provider (docs/SDK.md, "Export over OTLP").
        using var profiler = new ToolProfiler(new ToolProfilerOptions { MeterName = "Vigil.Sdk." + Guid.NewGuid().ToString("N") });
        using (var provider = Provider(profiler.Meter.Name, OtlpExportProtocol.HttpProtobuf))
        {
            profiler.Run("search", run => run.CacheHit());
            profiler.Run("search", run => run.CacheMiss());
            Assert.Throws<InvalidOperationException>(() => profiler.Run("search", _ => throw new InvalidOperationException("boom")));
            Assert.True(provider.ForceFlush(30_000));
        }

        Assert.Equal(3, (await QueryAsync("vigil_tool_runs_total{tool=\"search\",job=\"shop/checkout\"}")).Sum(s => s.Value));
        Assert.Equal(3, await ValueAsync("sum(vigil_tool_duration_seconds_count{tool=\"search\"})"));
        Assert.Equal(1, await ValueAsync("sum(vigil_tool_errors_total{tool=\"search\"})"));
        Assert.Equal(1, await ValueAsync("sum(vigil_tool_cache_hits_total{tool=\"search\"})"));
        Assert.Equal(1, await ValueAsync("sum(vigil_tool_cache_misses_total{tool=\"search\"})"));
    }
}

/// <summary>OTLP needs the <c>write</c> scope on both listeners, as every push path does.</summary>
public sealed class OtlpAccessTests
{
    [Fact]
    public async Task Otlp_ReadTokenRefused_WriteTokenStores()
    {
        var storage = new MemoryStorage();
        await using var vigil = await SecureVigil.StartAsync(storage, SecureVigil.WebConfig(tls: false),
            o => new VigilServerOptions
            {
                Listen = o.Listen,
                CollectionInterval = o.CollectionInterval,
                CollectHost = false,
                CollectSelf = false,
                WebConfigFile = o.WebConfigFile,
                OtlpGrpcListen = TestVigil.Loopback,
            });
        string meterName = "Otlp.Access." + Guid.NewGuid().ToString("N");
        using var meter = new Meter(meterName);
        var jobs = meter.CreateCounter<long>("jobs");

        foreach (var protocol in new[] { OtlpExportProtocol.HttpProtobuf, OtlpExportProtocol.Grpc })
        {
            foreach (var (token, stored) in new[] { (SecureVigil.Tokens[0].Token, false), (SecureVigil.Tokens[1].Token, true) })
            {
                using var provider = OpenTelemetry.Sdk.CreateMeterProviderBuilder()
                    .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(protocol + "-" + stored))
                    .AddMeter(meterName)
                    .AddOtlpExporter(e =>
                    {
                        e.Protocol = protocol;
                        e.Endpoint = protocol == OtlpExportProtocol.Grpc ? vigil.Server.OtlpGrpcAddress! : new Uri(vigil.BaseAddress, "v1/metrics");
                        e.Headers = "Authorization=Bearer " + token;
                    })
                    .Build();
                jobs.Add(1);
                Assert.Equal(stored, provider.ForceFlush(30_000));
                Assert.True(stored == storage.AllSeries().Any(s => s.Name == "jobs_total" && s.Get("job") == protocol + "-" + stored), $"{protocol} with the {(stored ? "write" : "read")} token");
            }
        }
        Assert.Equal(AccessScope.Write, vigil.Server.Routes.Single(r => r.Pattern == "/v1/metrics").Scope);
    }
}
