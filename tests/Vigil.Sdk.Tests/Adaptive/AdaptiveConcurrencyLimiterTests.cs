using Vigil.Sdk.Adaptive;
using Vigil.Sdk.Exposition;
using Vigil.Sdk.Tests.TestSupport;
using Vigil.Sdk.Tunables;

namespace Vigil.Sdk.Tests.Adaptive;

public sealed class AdaptiveConcurrencyLimiterTests
{
    private static AdaptiveConcurrencyLimiter Create(int limit = 2, int queue = 0, string name = "limiter")
        => new(new AdaptiveConcurrencyLimiterOptions
        {
            Name = name,
            // Note: a fixed limit (min = max), so the mechanics are tested apart from the algorithm.
            Algorithm = new AimdLimit(new AimdOptions { InitialLimit = limit, MinLimit = limit, MaxLimit = limit }),
            QueueLimit = queue,
            MeterName = "Test.Limiter." + Guid.NewGuid().ToString("N"),
        });

    [Fact]
    public void AttemptAcquire_BeyondTheLimit_RejectedUntilALeaseIsReturned()
    {
        using var limiter = Create(limit: 2);
        using var a = limiter.AttemptAcquire();
        var b = limiter.AttemptAcquire();
        using var c = limiter.AttemptAcquire();
        var probe = limiter.AttemptAcquire(0);

        Assert.True(a.IsAcquired);
        Assert.True(b.IsAcquired);
        Assert.False(c.IsAcquired);
        Assert.False(probe.IsAcquired);
        b.Dispose();
        b.Dispose();
        Assert.Equal(1, limiter.Inflight);
        using var d = limiter.AttemptAcquire();
        Assert.True(d.IsAcquired);
        var stats = limiter.GetStatistics()!;
        Assert.Equal((0, 0, 3, 2), (stats.CurrentAvailablePermits, stats.CurrentQueuedCount, stats.TotalSuccessfulLeases, stats.TotalFailedLeases));
    }

    [Fact]
    public async Task AcquireAsync_Queued_AdmittedInOrderWhenPermitsReturn()
    {
        using var limiter = Create(limit: 1, queue: 2);
        var first = await limiter.AcquireAsync();
        var second = limiter.AcquireAsync();
        var third = limiter.AcquireAsync();
        var fourth = await limiter.AcquireAsync();

        Assert.False(second.IsCompleted);
        Assert.False(fourth.IsAcquired);
        Assert.Equal(2, limiter.GetStatistics()!.CurrentQueuedCount);
        first.Dispose();
        using var secondLease = await second.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(secondLease.IsAcquired);
        Assert.False(third.IsCompleted);
        secondLease.Dispose();
        using var thirdLease = await third.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(thirdLease.IsAcquired);
    }

    [Fact]
    public async Task AcquireAsync_Cancelled_LeavesTheQueue()
    {
        using var limiter = Create(limit: 1, queue: 1);
        using var held = await limiter.AcquireAsync();
        using var cts = new CancellationTokenSource();
        var waiting = limiter.AcquireAsync(1, cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.AsTask());
        Assert.Equal(0, limiter.GetStatistics()!.CurrentQueuedCount);
    }

    [Fact]
    public async Task Dispose_QueuedRequestsFail_LaterCallsThrow()
    {
        var limiter = Create(limit: 1, queue: 1);
        using var held = await limiter.AcquireAsync();
        var waiting = limiter.AcquireAsync();
        limiter.Dispose();

        Assert.False((await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(30))).IsAcquired);
        Assert.Throws<ObjectDisposedException>(() => limiter.AttemptAcquire());
    }

    [Fact]
    public void AttemptAcquire_TwoPermits_ClearError()
    {
        using var limiter = Create();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => limiter.AttemptAcquire(2));
        Assert.Contains("one permit per request", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lease_Ignored_TakesNoSample()
    {
        var algorithm = new AimdLimit(new AimdOptions { InitialLimit = 30 });
        using var limiter = new AdaptiveConcurrencyLimiter(new AdaptiveConcurrencyLimiterOptions { Algorithm = algorithm, MeterName = "Test.Limiter." + Guid.NewGuid().ToString("N") });
        var lease = (AdaptiveConcurrencyLease)limiter.AttemptAcquire();
        lease.Dropped();
        lease.Ignore();
        lease.Dispose();
        Assert.Equal(30, limiter.Limit);
    }

    [Fact]
    public void Metrics_LimitInflightAndOutcomes_OnTheMetricsPage()
    {
        using var limiter = Create(limit: 2, name: "checkout");
        using var metrics = new VigilMetrics();
        metrics.AddMeter(limiter.Meter.Name);
        using var held = limiter.AttemptAcquire();
        var dropped = (AdaptiveConcurrencyLease)limiter.AttemptAcquire();
        dropped.Dropped();
        dropped.Dispose();
        limiter.AttemptAcquire().Dispose();
        using var second = limiter.AttemptAcquire();
        using var rejected1 = limiter.AttemptAcquire();
        using var rejected2 = limiter.AttemptAcquire();

        var m = Scrape.Parse(metrics.ToArray());

        Assert.Equal(2, m["vigil_limiter_limit{limiter=\"checkout\"}"]);
        Assert.Equal(2, m["vigil_limiter_inflight{limiter=\"checkout\"}"]);
        Assert.Equal(0, m["vigil_limiter_queued{limiter=\"checkout\"}"]);
        Assert.Equal(1, m["vigil_limiter_requests_total{limiter=\"checkout\",status=\"dropped\"}"]);
        Assert.Equal(1, m["vigil_limiter_requests_total{limiter=\"checkout\",status=\"success\"}"]);
        Assert.Equal(2, m["vigil_limiter_requests_total{limiter=\"checkout\",status=\"rejected\"}"]);
    }

    [Fact]
    public void Tunables_BoundsAndParameters_ChangeTheAlgorithm()
    {
        using var registry = new TunableRegistry("Test.Tunables." + Guid.NewGuid().ToString("N"));
        using var limiter = new AdaptiveConcurrencyLimiter(new AdaptiveConcurrencyLimiterOptions
        {
            Name = "api",
            Algorithm = new Gradient2Limit(new Gradient2Options { InitialLimit = 120 }),
            MeterName = "Test.Limiter." + Guid.NewGuid().ToString("N"),
        });
        limiter.RegisterTunables(registry);

        var max = (IntegerTunable)registry.Find("api.max_limit")!;
        max.Value = 100;
        var min = (IntegerTunable)registry.Find("api.min_limit")!;
        var refused = Assert.Throws<ArgumentException>(() => min.Value = 150);
        ((NumberTunable)registry.Find("api.smoothing")!).Value = 0.5;

        Assert.Equal(["api.min_limit", "api.max_limit", "api.smoothing", "api.rtt_tolerance", "api.queue_size"], registry.Tunables.Select(t => t.Name));
        Assert.Equal(100, limiter.Limit);
        Assert.Contains("1 <= min_limit (150) <= max_limit (100)", refused.Message, StringComparison.Ordinal);
        Assert.Equal(20, min.Value);
        Assert.Equal(0.5, ((Gradient2Limit)limiter.Algorithm).Smoothing);
    }
}
