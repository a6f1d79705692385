using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Exposition;
using Vigil.Server.Metrics;

namespace Vigil.Server.Tests;

public class SelfMetricsTests
{
    [Fact]
    public void Collect_DefaultFilter_IncludesDotnetRuntimeMeter()
    {
        using var metrics = new SelfMetrics(NullLogger.Instance);
        try
        {
            throw new InvalidOperationException("counted");
        }
        catch (InvalidOperationException)
        {
        }
        var names = metrics.Collect().ToDictionary(f => f.Name);
        var gc = names["dotnet_gc_collections_total"];
        Assert.Equal(MetricType.Counter, gc.Type);
        Assert.Contains(gc.Samples, s => s.Labels.Get("gc_heap_generation") == "gen0");
        Assert.Contains("dotnet_process_memory_working_set_bytes", names.Keys);
        Assert.Contains(names["dotnet_exceptions_total"].Samples, s => s.Labels.Get("error_type") == "InvalidOperationException" && s.Value >= 1);
    }

    [Fact]
    public void Collect_VigilMeter_SortedAmongProcessAndBuildInfo()
    {
        using var meter = new Meter("Vigil.Test." + Guid.NewGuid().ToString("N"));
        using var metrics = new SelfMetrics(NullLogger.Instance);
        meter.CreateCounter<long>("aaa.self.test", "{call}", "A test counter.").Add(3);

        var families = metrics.Collect();
        Assert.Equal(families.Select(f => f.Name).Order(StringComparer.Ordinal), families.Select(f => f.Name));
        var mine = families.Single(f => f.Name == "aaa_self_test_total");
        Assert.Equal("A test counter.", mine.Help);
        Assert.Equal(3, Assert.Single(mine.Samples).Value);
        Assert.Contains(families, f => f.Name == "vigil_build_info");
        Assert.Contains(families, f => f.Name == "process_cpu_seconds_total");
    }

    [Fact]
    public void DefaultMeterFilter_RuntimeAndVigilMetersOnly()
    {
        using var runtime = new Meter("System.Runtime.NotQuite");
        using var vigil = new Meter("Vigil.Anything");
        using var app = new Meter("App.Vigil.Thing");
        Assert.True(SelfMetrics.DefaultMeterFilter(vigil));
        Assert.False(SelfMetrics.DefaultMeterFilter(runtime));
        Assert.False(SelfMetrics.DefaultMeterFilter(app));
    }
}
