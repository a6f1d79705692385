using Vigil.Sdk.Adaptive;
using Vigil.Sdk.Exposition;
using Vigil.Sdk.Tests.TestSupport;
using Vigil.Sdk.Tunables;

namespace Vigil.Sdk.Tests.Adaptive;

/// <summary>
/// The pool sizer in front of a simulated downstream that serves <c>capacity</c> requests at a time at 10 ms each:
/// with n workers it completes <c>min(n, capacity) / 10 ms</c> per second, and past the capacity extra workers only
/// queue and add contention (1 % less throughput per worker beyond it).
/// </summary>
public sealed class AdaptivePoolSizerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private static long Completed(int workers, int capacity)
    {
        double perSecond = Math.Min(workers, capacity) / 0.010;
        if (workers > capacity)
        {
            perSecond *= Math.Max(0.5, 1 - (0.01 * (workers - capacity)));
        }
        return (long)(perSecond * Interval.TotalSeconds);
    }

    private static AdaptivePoolSizer Create(int initial, int max = 256)
        => new(new AdaptivePoolSizerOptions { InitialWorkers = initial, MaxWorkers = max, MeterName = "Test.Pool." + Guid.NewGuid().ToString("N") });

    [Theory]
    [InlineData(1, 32)]
    [InlineData(1, 7)]
    [InlineData(200, 32)]
    [InlineData(64, 100)]
    public void Observe_SimulatedDownstream_FindsTheKneeWithin30IntervalsAndStaysThere(int initial, int capacity)
    {
        using var sizer = Create(initial);
        var sizes = new List<int>();
        for (int i = 0; i < 70; i++)
        {
            sizes.Add(sizer.Observe(Completed(sizer.Workers, capacity), Interval));
        }

        var settled = sizes.Skip(30).ToList();
        Assert.True(settled.All(n => Math.Abs(n - capacity) <= 1), $"sizes: {string.Join(",", sizes)}");
        Assert.InRange(settled.Average(), capacity - 0.5, capacity + 0.5);
    }

    [Fact]
    public void Observe_CapacityChanges_FollowsTheNewKnee()
    {
        using var sizer = Create(8);
        for (int i = 0; i < 40; i++)
        {
            sizer.Observe(Completed(sizer.Workers, 40), Interval);
        }
        int before = sizer.Workers;
        var after = new List<int>();
        for (int i = 0; i < 60; i++)
        {
            after.Add(sizer.Observe(Completed(sizer.Workers, 12), Interval));
        }

        Assert.InRange(before, 39, 41);
        Assert.True(after.Skip(40).All(n => Math.Abs(n - 12) <= 1), $"sizes: {string.Join(",", after)}");
    }

    [Fact]
    public void WorkerCost_High_SettlesBelowAKneeThatIsNotSharp()
    {
        // A downstream whose throughput keeps rising slowly past 16 workers: each extra worker adds 5 % of an average one.
        static long Soft(int n) => (long)((Math.Min(n, 16) + (0.05 * Math.Max(0, n - 16))) / 0.010);
        using var cheap = new AdaptivePoolSizer(new AdaptivePoolSizerOptions { InitialWorkers = 4, MaxWorkers = 64, WorkerCost = 0.01, MeterName = "Test.Pool." + Guid.NewGuid().ToString("N") });
        using var dear = new AdaptivePoolSizer(new AdaptivePoolSizerOptions { InitialWorkers = 4, MaxWorkers = 64, WorkerCost = 0.2, MeterName = "Test.Pool." + Guid.NewGuid().ToString("N") });
        for (int i = 0; i < 60; i++)
        {
            cheap.Observe(Soft(cheap.Workers), Interval);
            dear.Observe(Soft(dear.Workers), Interval);
        }

        Assert.True(cheap.Workers >= 60, $"cheap workers: {cheap.Workers}");
        Assert.InRange(dear.Workers, 15, 17);
    }

    [Fact]
    public void ObserveTotal_RunningCounterOnAManualClock_SameAsIntervals()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UnixEpoch, manualTimestamps: true);
        using var sizer = new AdaptivePoolSizer(new AdaptivePoolSizerOptions { TimeProvider = clock, MeterName = "Test.Pool." + Guid.NewGuid().ToString("N") });
        var changes = new List<int>();
        sizer.WorkersChanged += changes.Add;
        long total = 0;
        sizer.ObserveTotal(total);
        for (int i = 0; i < 40; i++)
        {
            clock.Advance(Interval);
            total += Completed(sizer.Workers, 20);
            sizer.ObserveTotal(total);
        }

        Assert.InRange(sizer.Workers, 19, 21);
        Assert.Equal(sizer.Workers, changes[^1]);
        Assert.Equal(2000, sizer.Throughput, precision: 0);
    }

    [Fact]
    public void MetricsAndTunables()
    {
        using var registry = new TunableRegistry("Test.Tunables." + Guid.NewGuid().ToString("N"));
        using var sizer = new AdaptivePoolSizer(new AdaptivePoolSizerOptions { Name = "workers", InitialWorkers = 10, MeterName = "Test.Pool." + Guid.NewGuid().ToString("N") });
        sizer.RegisterTunables(registry);
        using var metrics = new VigilMetrics();
        metrics.AddMeter(sizer.Meter.Name);
        sizer.Observe(1000, Interval);
        ((IntegerTunable)registry.Find("workers.max_workers")!).Value = 8;

        var m = Scrape.Parse(metrics.ToArray());

        Assert.Equal(8, sizer.Workers);
        Assert.Equal(8, m["vigil_pool_workers{pool=\"workers\"}"]);
        Assert.Equal(1000, m["vigil_pool_throughput{pool=\"workers\"}"]);
        Assert.Equal(1, m["vigil_pool_adjustments_total{direction=\"up\",pool=\"workers\"}"]);
        Assert.Throws<ArgumentException>(() => ((IntegerTunable)registry.Find("workers.min_workers")!).Value = 9);
        Assert.Throws<ArgumentOutOfRangeException>(() => sizer.Observe(-1, Interval));
    }
}
