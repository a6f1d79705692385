using Vigil.Core.Exposition;

namespace Vigil.Core.Tests.Exposition;

public class PrometheusNamesTests
{
    [Theory]
    [InlineData("dotnet.gc.collections", "{collection}", "Counter", "dotnet_gc_collections_total")]
    [InlineData("dotnet.gc.heap.total_allocated", "By", "Counter", "dotnet_gc_heap_total_allocated_bytes_total")]
    [InlineData("dotnet.process.memory.working_set", "By", "Gauge", "dotnet_process_memory_working_set_bytes")]
    [InlineData("dotnet.process.cpu.time", "s", "Counter", "dotnet_process_cpu_time_seconds_total")]
    [InlineData("vigil.tsdb.wal.fsync.duration", "s", "Histogram", "vigil_tsdb_wal_fsync_duration_seconds")]
    [InlineData("vigil.tsdb.blocks.bytes", "By", "Gauge", "vigil_tsdb_blocks_bytes")]
    [InlineData("vigil.tsdb.head.series", "{series}", "Gauge", "vigil_tsdb_head_series")]
    [InlineData("requests_total", "{request}", "Counter", "requests_total")]
    [InlineData("cache.hit", "1", "Gauge", "cache_hit_ratio")]
    [InlineData("throughput", "By/s", "Gauge", "throughput_bytes_per_second")]
    [InlineData("latency", "ms", "Histogram", "latency_milliseconds")]
    [InlineData("my-app..requests", null, "Counter", "my_app_requests_total")]
    [InlineData("2xx.count", null, "Gauge", "_2xx_count")]
    [InlineData("ns:rule.rate", null, "Gauge", "ns:rule_rate")]
    public void FromInstrument_FollowsOpenTelemetryRules(string name, string? unit, string type, string expected)
        => Assert.Equal(expected, PrometheusNames.FromInstrument(name, unit, Enum.Parse<MetricType>(type)));

    [Theory]
    [InlineData("gc.heap.generation", "gc_heap_generation")]
    [InlineData("error.type", "error_type")]
    [InlineData("http.response.status_code", "http_response_status_code")]
    [InlineData("0day", "key_0day")]
    [InlineData("a:b", "a_b")]
    public void LabelName_Sanitizes(string key, string expected) => Assert.Equal(expected, PrometheusNames.LabelName(key));
}
