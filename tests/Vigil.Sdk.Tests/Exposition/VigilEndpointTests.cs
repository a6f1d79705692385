using System.Buffers;
using System.Text;
using System.Text.Json;
using Vigil.Core.Exposition;
using Vigil.Sdk.Collectors;
using Vigil.Sdk.Exposition;
using Vigil.Sdk.Profiling;
using Vigil.Sdk.Tests.TestSupport;

namespace Vigil.Sdk.Tests.Exposition;

public sealed class VigilEndpointTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Handle_ToolSummary_JsonInSeedShape()
    {
        var (endpoint, _) = Create();
        var (status, type, json) = Get(endpoint, "/vigil/tools/search", "window=1h");
        Assert.Equal(200, status);
        Assert.Equal(VigilEndpoint.JsonContentType, type);
        var root = json.RootElement;
        Assert.Equal("search", root.GetProperty("tool_name").GetString());
        Assert.Equal(3600, root.GetProperty("window_seconds").GetDouble());
        Assert.Equal(10, root.GetProperty("total_executions").GetInt64());
        Assert.Equal(0.2, root.GetProperty("error_rate").GetDouble(), 12);
        var time = root.GetProperty("execution_time");
        Assert.Equal(0.01, time.GetProperty("max").GetDouble(), 12);
        Assert.Equal(0.0055, time.GetProperty("median").GetDouble(), 12);
        Assert.Equal(0.00955, time.GetProperty("p95").GetDouble(), 12);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("cpu_time").GetProperty("p95").ValueKind);
        Assert.Equal(0.5, root.GetProperty("cache_hit_ratio").GetDouble());
        Assert.Equal(2, root.GetProperty("error_types").GetProperty("Timeout").GetInt64());
    }

    [Fact]
    public void Handle_ToolList_AllToolsInWindow()
    {
        var (endpoint, clock) = Create();
        clock.Advance(TimeSpan.FromMinutes(30));
        var (status, _, json) = Get(endpoint, "/vigil/tools", "window=45m");
        Assert.Equal(200, status);
        var tools = json.RootElement.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("tool_name").GetString()).ToList();
        Assert.Equal(["search"], tools);
        (_, _, json) = Get(endpoint, "/vigil/tools", "window=10m");
        Assert.Empty(json.RootElement.GetProperty("tools").EnumerateArray());
    }

    [Fact]
    public void Handle_UnknownToolBadWindowWrongMethod_ErrorsWithReasons()
    {
        var (endpoint, _) = Create();
        var (status, _, json) = Get(endpoint, "/vigil/tools/nope", null);
        Assert.Equal(404, status);
        Assert.Contains("nope", json.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);

        (status, _, json) = Get(endpoint, "/vigil/tools", "window=5x");
        Assert.Equal(400, status);
        Assert.Equal("parameter window: invalid duration \"5x\": expected a unit (ms, s, m, h, d, w, y) at offset 1", json.RootElement.GetProperty("error").GetString());

        (status, _, json) = Get(endpoint, "/vigil/tools", "window=0");
        Assert.Equal(400, status);

        var body = new ArrayBufferWriter<byte>();
        Assert.Equal(405, endpoint.Handle("POST", "/metrics", null, null, body, out _));
        Assert.Equal(404, endpoint.Handle("GET", "/other", null, null, new ArrayBufferWriter<byte>(), out _));
    }

    [Fact]
    public void Handle_EscapedToolName_Decoded()
    {
        var (endpoint, _) = Create();
        endpoint.Metrics.Profiler!.Record(new ToolRun { Tool = "web search/v2", TimestampMs = Now.ToUnixTimeMilliseconds(), DurationSeconds = 1, CpuSeconds = double.NaN, AllocatedBytes = -1 });
        var (status, _, json) = Get(endpoint, "/vigil/tools/web%20search%2Fv2", null);
        Assert.Equal(200, status);
        Assert.Equal("web search/v2", json.RootElement.GetProperty("tool_name").GetString());
    }

    [Fact]
    public void Handle_Metrics_NegotiatesFormat()
    {
        var (endpoint, _) = Create();
        var body = new ArrayBufferWriter<byte>();
        Assert.Equal(200, endpoint.Handle("GET", "/metrics", null, "application/openmetrics-text;version=1.0.0,text/plain;q=0.5", body, out string type));
        Assert.Equal(ExpositionFormat.OpenMetricsContentType, type);
        Assert.EndsWith("# EOF\n", Encoding.UTF8.GetString(body.WrittenSpan), StringComparison.Ordinal);
        body.Clear();
        Assert.Equal(200, endpoint.Handle("GET", "/metrics", null, null, body, out type));
        Assert.Equal(ExpositionFormat.PrometheusTextContentType, type);
        Assert.Equal(8, Scrape.Parse(body.WrittenSpan.ToArray())["vigil_tool_runs_total{outcome=\"success\",tool=\"search\"}"]);
    }

    [Fact]
    public void Handle_Collectors_StatisticsOverWindow()
    {
        var (endpoint, clock) = Create();
        var collector = new RealTimeMetricsCollector(timeProvider: clock);
        endpoint.AddCollector(collector);
        foreach (double v in new[] { 1.0, 2, 3, 4 })
        {
            collector.Record("app.queue_depth", v);
            clock.Advance(TimeSpan.FromSeconds(1));
        }
        var (status, _, json) = Get(endpoint, "/vigil/collectors", "window=1m");
        Assert.Equal(200, status);
        var metric = Assert.Single(json.RootElement.GetProperty("metrics").EnumerateArray());
        Assert.Equal("app.queue_depth", metric.GetProperty("name").GetString());
        Assert.Equal(4, metric.GetProperty("latest").GetDouble());
        Assert.Equal(2.5, metric.GetProperty("statistics").GetProperty("mean").GetDouble());
        Assert.Equal(4, Scrape.Parse(endpoint.Metrics.ToArray())["app_queue_depth"]);
    }

    private static (VigilEndpoint Endpoint, ManualTimeProvider Clock) Create()
    {
        var clock = new ManualTimeProvider(Now);
        var profiler = new ToolProfiler(new ToolProfilerOptions { TimeProvider = clock });
        for (int i = 1; i <= 10; i++)
        {
            profiler.Record(new ToolRun
            {
                Tool = "search",
                TimestampMs = Now.ToUnixTimeMilliseconds(),
                DurationSeconds = i / 1000.0,
                CpuSeconds = double.NaN,
                AllocatedBytes = -1,
                Outcome = i > 8 ? ToolOutcome.Failure : ToolOutcome.Success,
                ErrorType = i > 8 ? "Timeout" : null,
                CacheHits = 1,
                CacheMisses = 1,
            });
        }
        return (new VigilEndpoint(new VigilMetrics(profiler)), clock);
    }

    private static (int Status, string ContentType, JsonDocument Json) Get(VigilEndpoint endpoint, string path, string? query)
    {
        var body = new ArrayBufferWriter<byte>();
        int status = endpoint.Handle("GET", path, query, null, body, out string type);
        return (status, type, JsonDocument.Parse(body.WrittenMemory));
    }
}
