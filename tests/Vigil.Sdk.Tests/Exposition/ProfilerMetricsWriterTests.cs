using System.Diagnostics;
using Vigil.Core.Exposition;
using Vigil.Sdk.Exposition;
using Vigil.Sdk.Profiling;
using Vigil.Sdk.Tests.TestSupport;

namespace Vigil.Sdk.Tests.Exposition;

public sealed class ProfilerMetricsWriterTests
{
    [Fact]
    public void Write_KnownRuns_HistogramBucketsSumsAndCounters()
    {
        using var profiler = new ToolProfiler(new ToolProfilerOptions { DurationBuckets = [0.01, 0.1, 1], CpuTimeBuckets = [0.01], AllocatedBytesBuckets = [1000] });
        foreach (double d in new[] { 0.005, 0.01, 0.05, 0.5, 2 })
        {
            profiler.Record(new ToolRun { Tool = "search", DurationSeconds = d, CpuSeconds = d / 2, AllocatedBytes = 500, CacheHits = 1, CacheMisses = 2 });
        }
        profiler.Record(new ToolRun { Tool = "search", DurationSeconds = 0.2, CpuSeconds = double.NaN, AllocatedBytes = -1, Outcome = ToolOutcome.Failure, ErrorType = "Timeout" });
        using var metrics = new VigilMetrics(profiler);

        var m = Scrape.Parse(metrics.ToArray());
        // Vigil's parser normalizes le values to floats ("1" → "1.0"), as Prometheus does when it scrapes.
        Assert.Equal(2, m["vigil_tool_duration_seconds_bucket{le=\"0.01\",outcome=\"success\",tool=\"search\"}"]);
        Assert.Equal(3, m["vigil_tool_duration_seconds_bucket{le=\"0.1\",outcome=\"success\",tool=\"search\"}"]);
        Assert.Equal(4, m["vigil_tool_duration_seconds_bucket{le=\"1.0\",outcome=\"success\",tool=\"search\"}"]);
        Assert.Equal(5, m["vigil_tool_duration_seconds_bucket{le=\"+Inf\",outcome=\"success\",tool=\"search\"}"]);
        Assert.Equal(2.565, m["vigil_tool_duration_seconds_sum{outcome=\"success\",tool=\"search\"}"], 9);
        Assert.Equal(5, m["vigil_tool_duration_seconds_count{outcome=\"success\",tool=\"search\"}"]);
        Assert.Equal(1, m["vigil_tool_duration_seconds_count{outcome=\"failure\",tool=\"search\"}"]);
        // The failed run measured no CPU or allocations: its histograms count nothing.
        Assert.Equal(0, m["vigil_tool_cpu_time_seconds_count{outcome=\"failure\",tool=\"search\"}"]);
        Assert.Equal(5, m["vigil_tool_allocated_bytes_bucket{le=\"1000.0\",outcome=\"success\",tool=\"search\"}"]);
        Assert.Equal(5, m["vigil_tool_runs_total{outcome=\"success\",tool=\"search\"}"]);
        Assert.Equal(1, m["vigil_tool_runs_total{outcome=\"failure\",tool=\"search\"}"]);
        Assert.Equal(1, m["vigil_tool_errors_total{error_type=\"Timeout\",tool=\"search\"}"]);
        Assert.Equal(5, m["vigil_tool_cache_hits_total{outcome=\"success\",tool=\"search\"}"]);
        Assert.Equal(10, m["vigil_tool_cache_misses_total{outcome=\"success\",tool=\"search\"}"]);
        Assert.Equal(0, m["vigil_sdk_dropped_total{reason=\"tag_limit\"}"]);
        Assert.DoesNotContain(m.Keys, k => k.StartsWith("vigil_tool_network_calls_total", StringComparison.Ordinal));
    }

    [Fact]
    public void Write_CounterNamesAndErrorTypesBeyondTheCap_DroppedAndCounted()
    {
        using var profiler = new ToolProfiler(new ToolProfilerOptions { MaxCounterNamesPerTool = 3 });
        for (int i = 0; i < 6; i++)
        {
            using var run = profiler.Start("crawl");
            run.Increment("counter_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            run.Increment(string.Empty);
            run.Fail("Error" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        using var metrics = new VigilMetrics(profiler);
        var m = Scrape.Parse(metrics.ToArray());

        Assert.Equal(3, m.Keys.Count(k => k.StartsWith("vigil_tool_custom_total{", StringComparison.Ordinal)));
        Assert.Equal(3, m.Keys.Count(k => k.StartsWith("vigil_tool_errors_total{", StringComparison.Ordinal)));
        Assert.Equal(3, m["vigil_sdk_dropped_total{reason=\"counter_limit\"}"]);
        Assert.Equal(6, m["vigil_sdk_dropped_total{reason=\"invalid_counter_name\"}"]);
        Assert.Equal(3, m["vigil_sdk_dropped_total{reason=\"error_type_limit\"}"]);
        Assert.Equal((9, 3), (profiler.Diagnostics.DroppedCounterNames, profiler.Diagnostics.DroppedErrorTypes));
        // Runs are never dropped: all six failures are counted.
        Assert.Equal(6, m["vigil_tool_runs_total{outcome=\"failure\",tool=\"crawl\"}"]);
    }

    [Fact]
    public void Write_TagsCustomCountersAndOverflow_Labelled()
    {
        using var profiler = new ToolProfiler(new ToolProfilerOptions { MaxTagSetsPerTool = 2 });
        foreach (string model in new[] { "small", "large", "huge", "huge" })
        {
            using var run = profiler.Start("llm", new TagList { { "model", model }, { "tool", "shadow" }, { "http.method", "GET" } });
            run.Increment("tokens", 10);
        }
        using var metrics = new VigilMetrics(profiler);
        var m = Scrape.Parse(metrics.ToArray());
        // A tag called "tool" cannot replace the tool label: it is exported as tag_tool; dots become underscores.
        Assert.Equal(1, m["vigil_tool_runs_total{http_method=\"GET\",model=\"small\",outcome=\"success\",tag_tool=\"shadow\",tool=\"llm\"}"]);
        Assert.Equal(1, m["vigil_tool_runs_total{http_method=\"GET\",model=\"large\",outcome=\"success\",tag_tool=\"shadow\",tool=\"llm\"}"]);
        Assert.Equal(2, m["vigil_tool_runs_total{otel_metric_overflow=\"true\",outcome=\"success\",tool=\"llm\"}"]);
        Assert.Equal(2, m["vigil_sdk_dropped_total{reason=\"tag_limit\"}"]);
        Assert.Equal(40, m["vigil_tool_custom_total{counter=\"tokens\",outcome=\"success\",tool=\"llm\"}"]);
        Assert.Equal(2, profiler.Diagnostics.DroppedTagSets);
    }

    [Fact]
    public void Write_OpenMetrics_ValidWithEofAndFloatBounds()
    {
        using var profiler = new ToolProfiler(new ToolProfilerOptions { DurationBuckets = [1, 2] });
        profiler.Record(new ToolRun { Tool = "t", DurationSeconds = 1.5, CpuSeconds = double.NaN, AllocatedBytes = -1 });
        using var metrics = new VigilMetrics(profiler);
        byte[] payload = metrics.ToArray(ExpositionFormatKind.OpenMetrics);
        string text = System.Text.Encoding.UTF8.GetString(payload);
        Assert.EndsWith("# EOF\n", text, StringComparison.Ordinal);
        Assert.Contains("vigil_tool_duration_seconds_bucket{tool=\"t\",outcome=\"success\",le=\"2.0\"} 1", text, StringComparison.Ordinal);
        var m = Scrape.Parse(payload, ExpositionFormatKind.OpenMetrics);
        Assert.Equal(1, m["vigil_tool_runs_total{outcome=\"success\",tool=\"t\"}"]);
        Assert.Equal(MetricType.Histogram, Scrape.Types(payload, ExpositionFormatKind.OpenMetrics)["vigil_tool_duration_seconds"]);
    }
}
