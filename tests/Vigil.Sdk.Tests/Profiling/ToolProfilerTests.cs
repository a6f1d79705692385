using System.Diagnostics;
using System.Diagnostics.Metrics;
using Vigil.Sdk.Profiling;
using Vigil.Sdk.Tests.TestSupport;

namespace Vigil.Sdk.Tests.Profiling;

public sealed class ToolProfilerTests
{
    [Fact]
    public void Start_BusyLoop_CpuTimeMatchesKernelAccountAndWall()
    {
        using var profiler = new ToolProfiler();
        var capture = new RunCapture(profiler);
        long kernelBefore;
        long kernelAfter;
        var wall = Stopwatch.StartNew();
        using (profiler.Start("spin"))
        {
            kernelBefore = KernelThreadClock.ReadNs();
            KernelThreadClock.SpinFor(TimeSpan.FromMilliseconds(150));
            kernelAfter = KernelThreadClock.ReadNs();
        }
        wall.Stop();
        var run = capture.Single();
        double kernelCpu = (kernelAfter - kernelBefore) / 1e9;

        Assert.Equal("spin", run.Tool);
        Assert.InRange(run.DurationSeconds, 0.150, wall.Elapsed.TotalSeconds);
        // The scope's CPU time agrees with the scheduler's own accounting of the same thread, within 5 ms.
        Assert.InRange(run.CpuSeconds, kernelCpu - 0.001, kernelCpu + 0.005);
        // A busy loop uses CPU for its whole wall time unless the scheduler preempted it (the kernel's figure says how
        // much); a single thread never uses more CPU than wall time.
        Assert.InRange(run.CpuSeconds, 0, run.DurationSeconds + 0.001);
    }

    [Fact]
    public void Start_CpuBurnOfKnownAmount_CpuCloseToIt()
    {
        using var profiler = new ToolProfiler();
        var capture = new RunCapture(profiler);
        KernelThreadClock.Burn(TimeSpan.FromMilliseconds(1));
        TimeSpan wall;
        using (profiler.Start("burn"))
        {
            wall = KernelThreadClock.Burn(TimeSpan.FromMilliseconds(100));
        }
        var run = capture.Single();
        Assert.InRange(run.CpuSeconds, 0.100, 0.115);
        Assert.InRange(run.DurationSeconds, wall.TotalSeconds, wall.TotalSeconds + 0.01);
        Assert.True(run.CpuSeconds <= run.DurationSeconds + 0.001, $"cpu {run.CpuSeconds} > wall {run.DurationSeconds}");
    }

    [Fact]
    public void Start_Sleep_WallTimeWithoutCpu()
    {
        using var profiler = new ToolProfiler();
        var capture = new RunCapture(profiler);
        using (profiler.Start("sleep"))
        {
            Thread.Sleep(200);
        }
        var run = capture.Single();
        Assert.InRange(run.DurationSeconds, 0.199, 5);
        Assert.InRange(run.CpuSeconds, 0, 0.02);
    }

    [Fact]
    public void Start_ShortTool_OneRunInAHundredMeasuresCpu_AfterTheFirst()
    {
        // Note: no tool ever counts as long here, so the count does not depend on how fast the runs are.
        using var profiler = new ToolProfiler(new ToolProfilerOptions { CpuTimeFullThreshold = TimeSpan.MaxValue });
        for (int i = 0; i < 1000; i++)
        {
            using (profiler.Start("short"))
            {
            }
        }

        var runs = profiler.GetRuns("short", TimeSpan.Zero);
        Assert.False(double.IsNaN(runs[0].CpuSeconds), "a tool's first run measures CPU time");
        // Then one in 100 per thread (the thread's counter may be anywhere when the test starts).
        Assert.InRange(runs.Skip(1).Count(r => !double.IsNaN(r.CpuSeconds)), 9, 10);
        Assert.All(runs, r => Assert.True(r.AllocatedBytes >= 0 && r.DurationSeconds >= 0));
    }

    [Fact]
    public void Start_Defaults_LongToolMeasuresCpuOnEveryRun()
    {
        using var profiler = new ToolProfiler();
        for (int i = 0; i < 20; i++)
        {
            using (profiler.Start("long"))
            {
                KernelThreadClock.SpinFor(TimeSpan.FromMicroseconds(300));
            }
        }

        var runs = profiler.GetRuns("long", TimeSpan.Zero);
        Assert.Equal(20, runs.Count);
        Assert.All(runs, r => Assert.InRange(r.CpuSeconds, 0.00001, r.DurationSeconds));
    }

    [Fact]
    public void Start_CpuTimeSamplingOne_EveryRunMeasured_Zero_None()
    {
        using var every = new ToolProfiler(new ToolProfilerOptions { CpuTimeSampling = 1 });
        using var none = new ToolProfiler(new ToolProfilerOptions { CpuTimeSampling = 0 });
        for (int i = 0; i < 50; i++)
        {
            every.Start("t").Dispose();
            none.Start("t").Dispose();
        }
        Assert.All(every.GetRuns("t", TimeSpan.Zero), r => Assert.False(double.IsNaN(r.CpuSeconds)));
        Assert.All(none.GetRuns("t", TimeSpan.Zero), r => Assert.True(double.IsNaN(r.CpuSeconds)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ToolProfiler(new ToolProfilerOptions { CpuTimeFullThreshold = TimeSpan.FromTicks(-1) }));
    }

    [Fact]
    public void Start_KnownArray_AllocatedBytesCounted()
    {
        using var profiler = new ToolProfiler();
        var capture = new RunCapture(profiler);
        byte[] array;
        using (profiler.Start("alloc"))
        {
            array = new byte[100_000];
        }
        GC.KeepAlive(array);
        // A byte[100000] is 100,000 bytes of data plus a 24-byte header on 64-bit.
        Assert.InRange(capture.Single().AllocatedBytes, 100_024, 100_024 + 64);
    }

    [Fact]
    public void Start_SteadyState_AllocatesNothing()
    {
        // Steady state: the rolling store has reached its size (it grows by doubling until then).
        using var profiler = new ToolProfiler(new ToolProfilerOptions { RunsPerTool = 64 });
        var tags = new TagList { { "model", "small" }, { "region", "eu" } };
        for (int i = 0; i < 100; i++)
        {
            using var warm = profiler.Start("steady", tags);
            warm.CacheHit();
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            using var run = profiler.Start("steady", tags);
            run.CacheHit();
            run.IoOperation(2);
        }
        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, after - before);
        Assert.Equal(64, profiler.GetSummary("steady", TimeSpan.Zero)!.TotalExecutions);
    }

    [Fact]
    public void Start_InducedCollection_GcCountsRecorded()
    {
        using var profiler = new ToolProfiler();
        var capture = new RunCapture(profiler);
        using (profiler.Start("gc"))
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        }
        var run = capture.Single();
        Assert.True(run.Gen2Collections >= 1, $"gen2 {run.Gen2Collections}");
        Assert.True(run.Gen0Collections >= 1, $"gen0 {run.Gen0Collections}");
    }

    [Fact]
    public void Start_CaughtExceptions_Counted()
    {
        using var profiler = new ToolProfiler();
        var capture = new RunCapture(profiler);
        using (profiler.Start("throwing"))
        {
            for (int i = 0; i < 3; i++)
            {
                try
                {
                    throw new FormatException("bad");
                }
                catch (FormatException)
                {
                }
            }
        }
        var run = capture.Single();
        Assert.Equal(3, run.Exceptions);
        Assert.Equal(ToolOutcome.Success, run.Outcome);
    }

    [Fact]
    public void Run_Throws_FailureWithErrorTypeAndPropagates()
    {
        using var profiler = new ToolProfiler();
        var capture = new RunCapture(profiler);
        var thrown = Assert.Throws<InvalidOperationException>(() => profiler.Run("broken", _ => throw new InvalidOperationException("boom")));
        Assert.Equal("boom", thrown.Message);
        var run = capture.Single();
        Assert.Equal(ToolOutcome.Failure, run.Outcome);
        Assert.Equal("System.InvalidOperationException", run.ErrorType);
        Assert.Equal(1, run.Exceptions);
    }

    [Fact]
    public void Run_Cancelled_CancelledNotFailure()
    {
        using var profiler = new ToolProfiler();
        var capture = new RunCapture(profiler);
        Assert.Throws<OperationCanceledException>(() => profiler.Run("cancelled", _ => throw new OperationCanceledException()));
        var run = capture.Single();
        Assert.Equal(ToolOutcome.Cancelled, run.Outcome);
        Assert.Null(run.ErrorType);
        Assert.Equal(0, profiler.GetSummary("cancelled", TimeSpan.Zero)!.ErrorRate);
    }

    [Fact]
    public void Run_ReturnsValueAndCounters()
    {
        using var profiler = new ToolProfiler();
        var capture = new RunCapture(profiler);
        int result = profiler.Run("counted", run =>
        {
            run.CacheHit(3);
            run.CacheMiss();
            run.IoOperation(2);
            run.NetworkCall(4);
            run.Increment("tokens", 5);
            run.Increment("tokens", 7);
            return 42;
        });
        Assert.Equal(42, result);
        var r = capture.Single();
        Assert.Equal((3, 1, 2, 4), (r.CacheHits, r.CacheMisses, r.IoOperations, r.NetworkCalls));
        var summary = profiler.GetSummary("counted", TimeSpan.Zero)!;
        Assert.Equal(12, summary.CustomCountersTotal["tokens"]);
        Assert.Equal(0.75, summary.CacheHitRatio);
    }

    [Fact]
    public void Fail_WithErrorWord_FailureRecorded()
    {
        using var profiler = new ToolProfiler();
        var capture = new RunCapture(profiler);
        using (var run = profiler.Start("lookup"))
        {
            run.Fail("not_found");
        }
        Assert.Equal(("not_found", ToolOutcome.Failure), (capture.Single().ErrorType, capture.Single().Outcome));
    }

    [Fact]
    public void Dispose_Twice_SecondIgnoredAndCounted()
    {
        using var profiler = new ToolProfiler();
        var capture = new RunCapture(profiler);
        long staleBefore = profiler.Diagnostics.StaleHandleUses;
        var scope = profiler.Start("twice");
        var copy = scope;
        scope.Dispose();
        copy.Dispose();
        scope.CacheHit();
        Assert.Single(capture.Runs);
        Assert.False(copy.IsActive);
        Assert.True(profiler.Diagnostics.StaleHandleUses - staleBefore >= 2);
        // The pooled state the stale handle pointed at serves the next scope unharmed.
        using (var next = profiler.Start("twice"))
        {
            copy.CacheMiss();
        }
        Assert.Equal(0, capture.Runs[1].CacheMisses);
    }

    [Fact]
    public void Dispose_OnAnotherThread_WallTimeOnlyAndCounted()
    {
        using var profiler = new ToolProfiler();
        var capture = new RunCapture(profiler);
        var scope = profiler.Start("hop");
        Thread.Sleep(20);
        var t = new Thread(() => scope.Dispose());
        t.Start();
        t.Join();
        var run = capture.Single();
        Assert.InRange(run.DurationSeconds, 0.019, 5);
        Assert.True(double.IsNaN(run.CpuSeconds));
        Assert.Equal(-1, run.AllocatedBytes);
        Assert.Equal(-1, run.Exceptions);
        Assert.Equal(1, profiler.Diagnostics.CrossThreadDisposals);
    }

    [Fact]
    public void Start_InvalidToolNames_RecordedUnderInvalidAndCounted()
    {
        using var profiler = new ToolProfiler();
        string[] bad = [null!, "", "   ", "line\nbreak", new string('x', ToolProfiler.MaxToolNameLength + 1), ToolProfiler.OverflowToolName];
        foreach (string name in bad)
        {
            using var run = profiler.Start(name);
            Assert.Equal(ToolProfiler.InvalidToolName, run.Tool);
        }
        Assert.Equal(bad.Length, profiler.Diagnostics.InvalidToolNames);
        Assert.Equal(bad.Length, profiler.GetSummary(ToolProfiler.InvalidToolName, TimeSpan.Zero)!.TotalExecutions);
        Assert.Equal([ToolProfiler.InvalidToolName], profiler.Tools);
    }

    [Fact]
    public void Start_MoreToolsThanLimit_OverflowTool()
    {
        using var profiler = new ToolProfiler(new ToolProfilerOptions { MaxTools = 2 });
        foreach (string name in new[] { "a", "b", "c", "d", "a" })
        {
            using var run = profiler.Start(name);
        }
        Assert.Equal(["_overflow", "a", "b"], profiler.Tools);
        Assert.Equal(2, profiler.Diagnostics.DroppedTools);
        Assert.Equal(2, profiler.GetSummary("a", TimeSpan.Zero)!.TotalExecutions);
        Assert.Equal(2, profiler.GetSummary(ToolProfiler.OverflowToolName, TimeSpan.Zero)!.TotalExecutions);
    }

    [Fact]
    public void RunCompleted_HandlerThrows_RunRecordedAndCounted()
    {
        using var profiler = new ToolProfiler();
        profiler.RunCompleted += _ => throw new InvalidOperationException("observer bug");
        using (profiler.Start("observed"))
        {
        }
        Assert.Equal(1, profiler.Diagnostics.CallbackErrors);
        Assert.Equal(1, profiler.GetSummary("observed", TimeSpan.Zero)!.TotalExecutions);
    }

    [Fact]
    public void RunsPerTool_Exceeded_KeepsNewest()
    {
        using var profiler = new ToolProfiler(new ToolProfilerOptions { RunsPerTool = 100 });
        for (int i = 1; i <= 250; i++)
        {
            profiler.Record(new ToolRun { Tool = "ring", DurationSeconds = i, TimestampMs = 1000 + i, CpuSeconds = double.NaN, AllocatedBytes = -1 });
        }
        var runs = profiler.GetRuns("ring", TimeSpan.Zero);
        Assert.Equal(100, runs.Count);
        Assert.Equal(151, runs[0].DurationSeconds);
        Assert.Equal(250, runs[^1].DurationSeconds);
    }

    [Fact]
    public void Instruments_MeterListener_SeesDurationWithToolAndOutcomeTags()
    {
        using var profiler = new ToolProfiler(new ToolProfilerOptions { MeterName = "Vigil.Sdk.Tests." + Guid.NewGuid().ToString("N") });
        var seen = new List<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter == profiler.Meter)
                {
                    l.EnableMeasurementEvents(i);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => seen.Add((i.Name, v, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => seen.Add((i.Name, v, ToDictionary(tags))));
        listener.Start();

        var capture = new RunCapture(profiler);
        Assert.Throws<TimeoutException>(() => profiler.Run("search", run =>
        {
            run.CacheHit(2);
            throw new TimeoutException();
        }));
        var run = capture.Single();

        var duration = Assert.Single(seen, s => s.Instrument == "vigil.tool.duration");
        Assert.Equal(run.DurationSeconds, duration.Value);
        Assert.Equal("search", duration.Tags["tool"]);
        Assert.Equal("failure", duration.Tags["outcome"]);
        Assert.Equal(run.CpuSeconds, Assert.Single(seen, s => s.Instrument == "vigil.tool.cpu_time").Value);
        Assert.Equal(1, Assert.Single(seen, s => s.Instrument == "vigil.tool.runs").Value);
        Assert.Equal(2, Assert.Single(seen, s => s.Instrument == "vigil.tool.cache_hits").Value);
        var error = Assert.Single(seen, s => s.Instrument == "vigil.tool.errors");
        Assert.Equal("System.TimeoutException", error.Tags["error.type"]);
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var d = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var t in tags)
        {
            d[t.Key] = t.Value;
        }
        return d;
    }
}
