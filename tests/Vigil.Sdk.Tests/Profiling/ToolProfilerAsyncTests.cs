using Vigil.Sdk.Profiling;
using Vigil.Sdk.Tests.TestSupport;

namespace Vigil.Sdk.Tests.Profiling;

public sealed class ToolProfilerAsyncTests
{
    [Fact]
    public async Task RunAsync_CpuAcrossAwaits_SumsSegmentsAndExcludesWaiting()
    {
        using var profiler = new ToolProfiler();
        var capture = new RunCapture(profiler);
        var threads = new HashSet<int>();
        await profiler.RunAsync("async-burn", async ct =>
        {
            threads.Add(Environment.CurrentManagedThreadId);
            KernelThreadClock.Burn(TimeSpan.FromMilliseconds(40));
            await Task.Delay(150, ct);
            threads.Add(Environment.CurrentManagedThreadId);
            KernelThreadClock.Burn(TimeSpan.FromMilliseconds(40));
            await Task.Yield();
            KernelThreadClock.Burn(TimeSpan.FromMilliseconds(20));
        });
        var run = capture.Single();
        Assert.Equal(ToolOutcome.Success, run.Outcome);
        Assert.InRange(run.DurationSeconds, 0.25, 10);
        // 100 ms of burning on up to three threads, plus a little bookkeeping; the 150 ms delay is not CPU.
        Assert.InRange(run.CpuSeconds, 0.100, 0.130);
    }

    [Fact]
    public async Task RunAsync_AllocationsAcrossAwaits_Counted()
    {
        using var profiler = new ToolProfiler();
        var capture = new RunCapture(profiler);
        byte[]? a = null;
        byte[]? b = null;
        await profiler.RunAsync("async-alloc", async ct =>
        {
            a = new byte[50_000];
            await Task.Delay(20, ct);
            b = new byte[70_000];
        });
        GC.KeepAlive(a);
        GC.KeepAlive(b);
        // Two arrays (24-byte headers) plus the await machinery (state machine box, delay task and timer).
        Assert.InRange(capture.Single().AllocatedBytes, 120_048, 120_048 + 4096);
    }

    [Fact]
    public async Task RunAsync_ParallelChildren_CpuOfAllThreads()
    {
        using var profiler = new ToolProfiler();
        var capture = new RunCapture(profiler);
        await profiler.RunAsync("fan-out", async ct =>
        {
            await Task.WhenAll(
                Task.Run(() => KernelThreadClock.Burn(TimeSpan.FromMilliseconds(50)), ct),
                Task.Run(() => KernelThreadClock.Burn(TimeSpan.FromMilliseconds(50)), ct));
        });
        Assert.InRange(capture.Single().CpuSeconds, 0.100, 0.130);
    }

    [Fact]
    public async Task RunAsync_Nested_OuterIncludesInner()
    {
        using var profiler = new ToolProfiler();
        var capture = new RunCapture(profiler);
        await profiler.RunAsync("outer", async ct =>
        {
            KernelThreadClock.Burn(TimeSpan.FromMilliseconds(30));
            await profiler.RunAsync("inner", async ct2 =>
            {
                await Task.Delay(10, ct2);
                KernelThreadClock.Burn(TimeSpan.FromMilliseconds(40));
            }, ct);
            await Task.Yield();
        });
        var inner = Assert.Single(capture.Runs, r => r.Tool == "inner");
        var outer = Assert.Single(capture.Runs, r => r.Tool == "outer");
        Assert.InRange(inner.CpuSeconds, 0.040, 0.055);
        Assert.InRange(outer.CpuSeconds, 0.070, 0.095);
        Assert.True(outer.DurationSeconds >= inner.DurationSeconds);
    }

    [Fact]
    public async Task RunAsync_Throws_FailureAndExceptionCounted()
    {
        using var profiler = new ToolProfiler();
        var capture = new RunCapture(profiler);
        await Assert.ThrowsAsync<HttpRequestException>(() => profiler.RunAsync("fetch", async (run, ct) =>
        {
            run.NetworkCall();
            await Task.Delay(5, ct);
            throw new HttpRequestException("connection refused");
        }));
        var r = capture.Single();
        Assert.Equal(ToolOutcome.Failure, r.Outcome);
        Assert.Equal("System.Net.Http.HttpRequestException", r.ErrorType);
        Assert.Equal(1, r.NetworkCalls);
        Assert.True(r.Exceptions >= 1, $"exceptions {r.Exceptions}");
    }

    [Fact]
    public async Task RunAsync_Cancelled_OutcomeCancelled()
    {
        using var profiler = new ToolProfiler();
        var capture = new RunCapture(profiler);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => profiler.RunAsync("slow", ct => Task.Delay(10_000, ct), cts.Token));
        Assert.Equal(ToolOutcome.Cancelled, capture.Single().Outcome);
    }

    [Fact]
    public async Task RunAsync_Result_ReturnedAndHandleDisposeDoesNotEndRun()
    {
        using var profiler = new ToolProfiler();
        var capture = new RunCapture(profiler);
        int value = await profiler.RunAsync("answer", async (run, ct) =>
        {
            run.Dispose();
            await Task.Yield();
            run.CacheHit();
            return 42;
        });
        Assert.Equal(42, value);
        Assert.Equal(1, capture.Single().CacheHits);
    }
}
