using Vigil.Sdk.Adaptive;
using Vigil.Sdk.Tests.TestSupport;

namespace Vigil.Sdk.Tests.Adaptive;

/// <summary>
/// Gradient2 and AIMD driven through the real limiter by a closed-loop simulated workload on a manual clock: every
/// round, clients take every permit the limiter gives (demand always exceeds the limit), the downstream answers them
/// all after a round-trip time that its latency model gives for that concurrency, and the permits are returned.
/// </summary>
public sealed class ConcurrencyLimitAlgorithmTests
{
    private static readonly TimeSpan BaseRtt = TimeSpan.FromMilliseconds(10);

    [Fact]
    public void Gradient2_Defaults_AreNetflixs()
    {
        var g = new Gradient2Limit();
        Assert.Equal((20, 20, 200, 0.2, 1.5, 4), (g.Limit, g.MinLimit, g.MaxLimit, g.Smoothing, g.RttTolerance, g.QueueSize));
        var a = new AimdLimit();
        Assert.Equal((20, 20, 200, 0.9, TimeSpan.FromSeconds(5)), (a.Limit, a.MinLimit, a.MaxLimit, a.BackoffRatio, a.Timeout));
    }

    [Fact]
    public void Gradient2_FlatLatency_LimitRisesToTheMaximum()
    {
        using var sim = new Simulation(new Gradient2Limit());
        var limits = new List<int>();
        for (int i = 0; i < 10; i++)
        {
            sim.Run(50, _ => BaseRtt);
            limits.Add(sim.Limiter.Limit);
        }

        // Each sample started with at least limit/2 in flight raises the estimate by smoothing × queue size = 0.8.
        Assert.True(limits.Zip(limits.Skip(1)).All(p => p.Second >= p.First), string.Join(",", limits));
        Assert.True(limits[0] > 30, $"after 50 requests the limit is {limits[0]}");
        Assert.Equal(200, limits[^1]);
        Assert.Equal(BaseRtt, ((Gradient2Limit)sim.Limiter.Algorithm).BaselineRtt);
    }

    [Fact]
    public void Gradient2_QueueingLatencyGrows_LimitFalls()
    {
        using var sim = new Simulation(new Gradient2Limit());
        sim.Run(400, _ => BaseRtt);
        int before = sim.Limiter.Limit;
        // The downstream now serves 40 requests at a time: beyond that, requests queue and latency grows with
        // concurrency (a pure queue: 200 in flight take 50 ms each).
        const int Capacity = 40;
        var limits = new List<int>();
        double rttSum = 0;
        for (int i = 0; i < 80; i++)
        {
            rttSum += sim.Run(10, inflight => BaseRtt * Math.Max(1.0, inflight / (double)Capacity)).TotalMilliseconds;
            limits.Add(sim.Limiter.Limit);
        }

        Assert.Equal(200, before);
        // The 200 requests already running finish first; once the slow ones come back the limit falls below the
        // capacity within a few hundred samples.
        int fell = limits.FindIndex(l => l <= Capacity);
        Assert.InRange(fell, 0, 30);
        Assert.True(limits.Take(fell + 1).Zip(limits.Skip(1)).All(p => p.Second <= p.First), string.Join(",", limits));
        // Note: Gradient2's baseline is an average of recent RTTs, so under sustained queueing it drifts up and the limit
        // climbs again before it falls anew (Netflix's design trades this for not over-shedding on noisy RTTs). Over the
        // whole slowdown, requests still wait far less than with the limit left at 200 (50 ms each).
        Assert.True(rttSum / 80 < 0.7 * 50, $"mean RTT {rttSum / 80:0.0} ms; limits: {string.Join(",", limits)}");
    }

    [Fact]
    public void Gradient2_AppLimited_LimitDoesNotGrow()
    {
        var g = new Gradient2Limit();
        for (int i = 0; i < 100; i++)
        {
            g.OnSample(BaseRtt, inflight: 5, dropped: false);
        }
        Assert.Equal(20, g.Limit);
    }

    [Fact]
    public void Aimd_SuccessUnderLoad_GrowsByOnePerSample()
    {
        var a = new AimdLimit();
        for (int i = 0; i < 10; i++)
        {
            a.OnSample(BaseRtt, inflight: a.Limit, dropped: false);
        }
        Assert.Equal(30, a.Limit);
        a.OnSample(BaseRtt, inflight: 3, dropped: false);
        Assert.Equal(30, a.Limit);
    }

    [Fact]
    public void Aimd_DropOrTimeout_BacksOffByTheRatio_NotBelowTheMinimum()
    {
        var a = new AimdLimit(new AimdOptions { InitialLimit = 100 });
        a.OnSample(BaseRtt, inflight: 100, dropped: true);
        int afterDrop = a.Limit;
        a.OnSample(TimeSpan.FromSeconds(6), inflight: 90, dropped: false);
        int afterTimeout = a.Limit;
        for (int i = 0; i < 30; i++)
        {
            a.OnSample(BaseRtt, inflight: 90, dropped: true);
        }

        Assert.Equal(90, afterDrop);
        Assert.Equal(81, afterTimeout);
        Assert.Equal(20, a.Limit);
    }

    [Fact]
    public void Aimd_ThroughTheLimiter_DroppedLeasesBackOff_SuccessfulOnesRecover()
    {
        using var sim = new Simulation(new AimdLimit(new AimdOptions { InitialLimit = 100 }));
        sim.Run(1, _ => BaseRtt, drop: true);
        int afterOneDrop = sim.Limiter.Limit;
        sim.Run(30, _ => BaseRtt, drop: true);
        int afterDrops = sim.Limiter.Limit;
        sim.Run(25, _ => BaseRtt);
        int afterRecovery = sim.Limiter.Limit;
        // Requests already running finish first (successes); then the slow ones time out.
        sim.Run(150, _ => TimeSpan.FromSeconds(6));
        int afterTimeout = sim.Limiter.Limit;

        Assert.Equal(90, afterOneDrop);
        Assert.Equal(20, afterDrops);
        // Saturating clients keep the limit in use, so each success adds one.
        Assert.Equal(45, afterRecovery);
        Assert.Equal(20, afterTimeout);
    }

    [Fact]
    public void Options_Invalid_ClearErrors()
    {
        Assert.Contains("Smoothing", Assert.Throws<ArgumentOutOfRangeException>(() => new Gradient2Limit(new Gradient2Options { Smoothing = 0 })).Message, StringComparison.Ordinal);
        Assert.Contains("RttTolerance", Assert.Throws<ArgumentOutOfRangeException>(() => new Gradient2Limit(new Gradient2Options { RttTolerance = 0.5 })).Message, StringComparison.Ordinal);
        Assert.Contains("BackoffRatio", Assert.Throws<ArgumentOutOfRangeException>(() => new AimdLimit(new AimdOptions { BackoffRatio = 1 })).Message, StringComparison.Ordinal);
        Assert.Contains("initial limit", Assert.Throws<ArgumentOutOfRangeException>(() => new AimdLimit(new AimdOptions { InitialLimit = 5 })).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new AimdLimit().SetBounds(50, 40));
    }

    /// <summary>
    /// A saturating client population in front of the real limiter, on a manual clock: whenever a permit is free a
    /// request starts, and it completes after the RTT the latency model gives for the requests in flight when it started.
    /// </summary>
    private sealed class Simulation : IDisposable
    {
        private readonly ManualTimeProvider _clock = new(DateTimeOffset.UnixEpoch, manualTimestamps: true);
        private readonly PriorityQueue<(AdaptiveConcurrencyLease Lease, TimeSpan Rtt, long EndTicks), long> _running = new();

        public Simulation(ConcurrencyLimitAlgorithm algorithm)
        {
            Limiter = new AdaptiveConcurrencyLimiter(new AdaptiveConcurrencyLimiterOptions
            {
                Algorithm = algorithm,
                TimeProvider = _clock,
                MeterName = "Test.Limiter." + Guid.NewGuid().ToString("N"),
            });
        }

        public AdaptiveConcurrencyLimiter Limiter { get; }

        /// <summary>Lets <paramref name="completions"/> requests complete, starting new ones whenever the limiter allows; returns their mean RTT.</summary>
        public TimeSpan Run(int completions, Func<int, TimeSpan> rttFor, bool drop = false)
        {
            var total = TimeSpan.Zero;
            for (int done = 0; done < completions; done++)
            {
                while (Limiter.AttemptAcquire() is AdaptiveConcurrencyLease { IsAcquired: true } started)
                {
                    var rtt = rttFor(started.InflightAtStart);
                    long end = _clock.GetUtcNow().UtcTicks + rtt.Ticks;
                    _running.Enqueue((started, rtt, end), end);
                }
                var (lease, took, endTicks) = _running.Dequeue();
                _clock.Advance(TimeSpan.FromTicks(Math.Max(0, endTicks - _clock.GetUtcNow().UtcTicks)));
                total += took;
                if (drop)
                {
                    lease.Dropped();
                }
                lease.Dispose();
            }
            return total / completions;
        }

        public void Dispose() => Limiter.Dispose();
    }
}
