using System.Diagnostics;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.PromQL.Engine;

namespace Vigil.PromQL.Tests;

/// <summary>
/// A runaway subquery stops at its timeout or when the caller cancels, inside the loops that do the work, and a
/// subquery with more steps than max-samples is refused before anything is read or allocated.
/// </summary>
public sealed class RunawayQueryTests
{
    private const long Day = 86_400_000;

    /// <summary>One series <c>x</c> with a sample every second for a day.</summary>
    private static readonly Lazy<MemoryStorage> DenseDay = new(() =>
    {
        var storage = new MemoryStorage();
        var app = storage.Appender();
        var labels = LabelSet.Of("__name__", "x");
        for (long t = 1000; t <= Day; t += 1000)
        {
            app.Append(labels, t, t % 7);
        }
        app.Commit();
        return storage;
    });

    /// <summary>
    /// Each of the subquery's 8,641 steps takes a quantile over a whole day of samples: minutes of work in one loop
    /// over one series, with nothing in between that looked at the clock or the token before.
    /// </summary>
    private const string SlowSubquery = "count_over_time(quantile_over_time(0.5, x[1d])[1d:10s])";

    private static async Task<(PromQLException Error, TimeSpan Elapsed)> RunAsync(Func<QueryResult> query, TimeSpan bound)
    {
        var sw = Stopwatch.StartNew();
        var task = Task.Run(() => Assert.Throws<PromQLException>(() => query().Dispose()));
        var finished = await Task.WhenAny(task, Task.Delay(bound));
        Assert.True(finished == task, $"the query was still running after {bound.TotalSeconds} s");
        return (await task, sw.Elapsed);
    }

    [Fact]
    public async Task InstantQuery_SlowSubqueryWithOneSecondTimeout_StopsWithTimeoutErrorWithinTwoSeconds()
    {
        var storage = DenseDay.Value;
        var engine = new PromQLEngine();
        var (error, elapsed) = await RunAsync(() => engine.InstantQuery(storage, SlowSubquery, Day, new QueryOptions { Timeout = TimeSpan.FromSeconds(1) }), TimeSpan.FromSeconds(10));
        Assert.Equal(QueryErrorType.Timeout, error.ErrorType);
        Assert.Equal("query timed out in expression evaluation", error.Message);
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"took {elapsed.TotalMilliseconds:F0} ms");
    }

    /// <summary>Signals when the engine opens its querier, i.e. when evaluation has really begun.</summary>
    private sealed class StartSignal(ISampleQueryable inner) : ISampleQueryable
    {
        public TaskCompletionSource Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IQuerier Querier(long mint, long maxt)
        {
            var q = inner.Querier(mint, maxt);
            Opened.TrySetResult();
            return q;
        }
    }

    [Fact]
    public async Task InstantQuery_SlowSubqueryCanceled_EvaluationEndsSoonAfterCancel()
    {
        var storage = new StartSignal(DenseDay.Value);
        var engine = new PromQLEngine();
        using var cts = new CancellationTokenSource();
        var task = Task.Run(() => Assert.Throws<PromQLException>(() => engine.InstantQuery(storage, SlowSubquery, Day, null, cts.Token).Dispose()));
        await storage.Opened.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(300);
        Assert.False(task.IsCompleted, "the query should still be running when it is canceled");
        var sw = Stopwatch.StartNew();
        await cts.CancelAsync();
        var finished = await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.True(finished == task, "the query kept running after cancel");
        var error = await task;
        Assert.Equal(QueryErrorType.Canceled, error.ErrorType);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1), $"ended {sw.Elapsed.TotalMilliseconds:F0} ms after cancel");
    }

    [Theory]
    [InlineData("count_over_time(x[1y:1ms])")]
    [InlineData("count_over_time(x[1d:1ms])")]
    [InlineData("max_over_time(rate(x[5m])[1y:1ms])")]
    [InlineData("sum_over_time(count_over_time(x[1h:])[60d:1ms] offset 1d)")]
    public async Task InstantQuery_SubqueryWithMoreStepsThanMaxSamples_RefusedBeforeAllocating(string query)
    {
        var storage = DenseDay.Value;
        var engine = new PromQLEngine();
        long allocated = 0;
        var (error, elapsed) = await RunAsync(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                return engine.InstantQuery(storage, query, Day, new QueryOptions { Timeout = TimeSpan.FromSeconds(5) });
            }
            finally
            {
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
        }, TimeSpan.FromSeconds(10));
        Assert.Equal(QueryErrorType.Execution, error.ErrorType);
        Assert.Equal("query processing would load too many samples into memory in query execution", error.Message);
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"took {elapsed.TotalMilliseconds:F0} ms");
        // Note: selecting the day's 86,400 samples from the test storage is most of this; the subquery itself allocates nothing.
        Assert.True(allocated < 32 << 20, $"allocated {allocated >> 20} MB");
    }

    [Fact]
    public void InstantQuery_SubqueryStepsAtMaxSamples_Evaluates()
    {
        var storage = new MemoryStorage();
        var app = storage.Appender();
        app.Append(LabelSet.Of("__name__", "x"), 0, 1);
        app.Commit();
        var engine = new PromQLEngine(new EngineOptions { MaxSamples = 100 });
        var shortLookback = new QueryOptions { LookbackDelta = TimeSpan.FromSeconds(5) };
        // Note: (-1s, 99s] at 1 s is exactly 100 steps; the sample at 0 is seen by the steps 0 s to 4 s.
        using var ok = engine.InstantQuery(storage, "count_over_time(x[100s:1s])", 99_000, shortLookback);
        Assert.Equal(5, Assert.Single(((VectorValue)ok.Value).Samples).V);
        var ex = Assert.Throws<PromQLException>(() => engine.InstantQuery(storage, "count_over_time(x[101s:1s])", 99_000, shortLookback));
        Assert.Equal("query processing would load too many samples into memory in query execution", ex.Message);
    }

    [Fact]
    public void InstantQuery_RangeLargerThanMaxSamples_RefusedWhileReading()
    {
        var engine = new PromQLEngine(new EngineOptions { MaxSamples = 20_000 });
        var ex = Assert.Throws<PromQLException>(() => engine.InstantQuery(DenseDay.Value, "count_over_time(x[1d])", Day));
        Assert.Equal("query processing would load too many samples into memory in query execution", ex.Message);
    }
}
