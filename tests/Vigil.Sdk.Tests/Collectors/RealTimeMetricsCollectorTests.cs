using Vigil.Sdk.Collectors;
using Vigil.Sdk.Tests.TestSupport;

namespace Vigil.Sdk.Tests.Collectors;

public sealed class RealTimeMetricsCollectorTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void CollectOnce_CollectorsAndCallbacks_ValuesBufferedAndDelivered()
    {
        var clock = new ManualTimeProvider(Start);
        var collector = new RealTimeMetricsCollector(timeProvider: clock);
        int depth = 0;
        collector.RegisterCollector("application.queue_depth", () => ++depth, new Dictionary<string, string> { ["queue"] = "jobs" });
        collector.RegisterCollector("application.broken", () => throw new InvalidOperationException("down"));
        var delivered = new List<(string Name, MetricPoint Point)>();
        using var registration = collector.AddCallback((n, p) => delivered.Add((n, p)));

        for (int i = 0; i < 5; i++)
        {
            collector.CollectOnce();
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        var values = collector.GetMetricValues("application.queue_depth", TimeSpan.FromSeconds(10));
        Assert.Equal([1.0, 2, 3, 4, 5], values.Select(p => p.Value));
        Assert.Equal(Start.ToUnixTimeMilliseconds() + 4000, values[^1].TimestampMs);
        Assert.Equal("jobs", values[0].Tags["queue"]);
        Assert.Equal(5, delivered.Count);
        Assert.Equal(5, collector.CollectorErrors);
        // Now is 5 s after the first tick: a 2.5 s window holds the ticks at 3 s and 4 s.
        Assert.Equal([4.0, 5], collector.GetMetricValues("application.queue_depth", TimeSpan.FromSeconds(2.5)).Select(p => p.Value));

        var stats = collector.CalculateStatistics("application.queue_depth", TimeSpan.FromMinutes(1));
        Assert.Equal((1.0, 5.0, 3.0, 3.0), (stats.Min, stats.Max, stats.Mean, stats.Median));
        Assert.Equal(4.8, stats.P95, 12);

        registration.Dispose();
        collector.CollectOnce();
        Assert.Equal(5, delivered.Count);
    }

    [Fact]
    public void Callback_Throws_CountedAndOthersStillCalled()
    {
        var collector = new RealTimeMetricsCollector();
        int calls = 0;
        using var bad = collector.AddCallback((_, _) => throw new InvalidOperationException());
        using var good = collector.AddCallback((_, _) => calls++);
        collector.Record("x", 1);
        Assert.Equal(1, calls);
        Assert.Equal(1, collector.CallbackErrors);
    }

    [Fact]
    public void BufferCapacity_Exceeded_OldestDropped()
    {
        var collector = new RealTimeMetricsCollector(bufferCapacity: 3);
        for (int i = 1; i <= 5; i++)
        {
            collector.Record("x", i);
        }
        Assert.Equal([3.0, 4, 5], collector.GetMetricValues("x", TimeSpan.FromHours(1)).Select(p => p.Value));
    }

    [Fact]
    public void RegisterCollector_BadNames_ThrowNamingTheProblem()
    {
        var collector = new RealTimeMetricsCollector();
        collector.RegisterCollector("app.depth", () => 1);
        Assert.Contains("already registered", Assert.Throws<ArgumentException>(() => collector.RegisterCollector("app.depth", () => 1)).Message, StringComparison.Ordinal);
        Assert.Contains("exported as app_depth, like \"app.depth\"", Assert.Throws<ArgumentException>(() => collector.RegisterCollector("app_depth", () => 1)).Message, StringComparison.Ordinal);
        Assert.Contains("reserved", Assert.Throws<ArgumentException>(() => collector.RegisterCollector("vigil.tool.x", () => 1)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => collector.RegisterCollector(" ", () => 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RealTimeMetricsCollector(TimeSpan.Zero));
    }

    [Fact]
    public async Task Start_Interval_CollectsRepeatedly()
    {
        await using var collector = new RealTimeMetricsCollector(TimeSpan.FromMilliseconds(50));
        collector.AddProcessCollectors();
        collector.Start();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (collector.GetMetricValues("process.memory.working_set", TimeSpan.FromMinutes(1)).Count < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        await collector.StopAsync();
        var points = collector.GetMetricValues("process.memory.working_set", TimeSpan.FromMinutes(1));
        Assert.True(points.Count >= 3, $"{points.Count} points");
        Assert.InRange(points[^1].Value, 1 << 20, 1L << 40);
        Assert.InRange(collector.GetMetricValues("process.cpu.percent", TimeSpan.FromMinutes(1))[^1].Value, 0, 100.0 * 1.5);
        int count = collector.GetMetricValues("dotnet.threadpool.threads", TimeSpan.FromMinutes(1)).Count;
        await Task.Delay(200);
        Assert.Equal(count, collector.GetMetricValues("dotnet.threadpool.threads", TimeSpan.FromMinutes(1)).Count);
    }
}
