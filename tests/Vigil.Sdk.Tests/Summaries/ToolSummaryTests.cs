using Vigil.Sdk.Profiling;
using Vigil.Sdk.Tests.TestSupport;

namespace Vigil.Sdk.Tests.Summaries;

public sealed class ToolSummaryTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void GetSummary_KnownRuns_StatisticsErrorRateAndCacheRatio()
    {
        var clock = new ManualTimeProvider(Start);
        using var profiler = new ToolProfiler(new ToolProfilerOptions { TimeProvider = clock });
        for (int i = 1; i <= 100; i++)
        {
            profiler.Record(new ToolRun
            {
                Tool = "search",
                TimestampMs = Start.ToUnixTimeMilliseconds(),
                DurationSeconds = i / 1000.0,
                CpuSeconds = i % 2 == 0 ? i / 2000.0 : double.NaN,
                AllocatedBytes = i * 1024,
                Outcome = i % 10 == 0 ? ToolOutcome.Failure : ToolOutcome.Success,
                ErrorType = i % 10 == 0 ? (i % 20 == 0 ? "Timeout" : "BadInput") : null,
                CacheHits = 3,
                CacheMisses = 1,
                NetworkCalls = 2,
                Gen0Collections = i == 50 ? 2 : 0,
            });
        }

        var s = profiler.GetSummary("search", TimeSpan.FromHours(1))!;
        Assert.Equal(100, s.TotalExecutions);
        Assert.Equal(90, s.Successes);
        Assert.Equal(10, s.Failures);
        Assert.Equal(0.1, s.ErrorRate, 12);
        Assert.Equal(5, s.ErrorTypes["Timeout"]);
        Assert.Equal(5, s.ErrorTypes["BadInput"]);
        Assert.Equal(0.001, s.Duration.Min, 12);
        Assert.Equal(0.1, s.Duration.Max, 12);
        Assert.Equal(0.0505, s.Duration.Mean, 12);
        Assert.Equal(0.0505, s.Duration.Median, 12);
        Assert.Equal(0.09505, s.Duration.P95, 12);
        Assert.Equal(0.09901, s.Duration.P99, 12);
        // CPU measured on the 50 even runs: i/2000 for i = 2..100, i.e. 0.001 .. 0.05.
        Assert.Equal(50, s.CpuTime.Count);
        Assert.Equal(0.0255, s.CpuTime.Median, 12);
        Assert.Equal(95.05 * 1024, s.AllocatedBytes.P95, 6);
        Assert.Equal(0.75, s.CacheHitRatio, 12);
        Assert.Equal(300, s.CacheHits);
        Assert.Equal(200, s.NetworkCalls);
        Assert.Equal([2L, 0L, 0L], s.GcCollections);
    }

    [Fact]
    public void GetSummary_Window_ExcludesOlderRuns()
    {
        var clock = new ManualTimeProvider(Start);
        using var profiler = new ToolProfiler(new ToolProfilerOptions { TimeProvider = clock });
        using (profiler.Start("w"))
        {
        }
        clock.Advance(TimeSpan.FromMinutes(10));
        using (var run = profiler.Start("w"))
        {
            run.Fail("late");
        }
        Assert.Equal(1, profiler.GetSummary("w", TimeSpan.FromMinutes(5))!.TotalExecutions);
        Assert.Equal(1.0, profiler.GetSummary("w", TimeSpan.FromMinutes(5))!.ErrorRate);
        Assert.Equal(2, profiler.GetSummary("w", TimeSpan.FromMinutes(15))!.TotalExecutions);
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Null(profiler.GetSummary("w", TimeSpan.FromMinutes(5)));
        Assert.Null(profiler.GetSummary("unknown", TimeSpan.Zero));
    }

    [Fact]
    public void GetSummaries_SeveralTools_OrderedByName()
    {
        using var profiler = new ToolProfiler();
        foreach (string name in new[] { "zeta", "alpha", "mid" })
        {
            using var run = profiler.Start(name);
        }
        Assert.Equal(["alpha", "mid", "zeta"], profiler.GetSummaries(TimeSpan.FromMinutes(1)).Select(s => s.Tool));
        Assert.True(double.IsNaN(profiler.GetSummary("alpha", TimeSpan.Zero)!.CacheHitRatio));
    }
}
