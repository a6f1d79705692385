using System.Globalization;
using Vigil.Cli.Demo;

namespace Vigil.Server.Tests.Optimizer;

/// <summary>How <c>vigil demo</c> decides it is over and what its closing verdict says (issue: a rolled-back grow left it idle until its timeout).</summary>
public sealed class DemoVerdictTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch.AddDays(1);

    private static DemoExecution E(string policy, string status, string mode = "auto", int createdSecond = 0, int? endSecond = null, string? from = null, string? to = null, double? p = null) => new()
    {
        Id = policy + createdSecond.ToString(CultureInfo.InvariantCulture),
        Policy = policy,
        Type = "ScaleUp",
        Target = policy == "grow-cache" ? "demo/cache_size" : "demo/pool_size",
        Mode = mode,
        Status = status,
        Phase = status == "Running" ? "Observing" : "Finished",
        CreatedAt = T0.AddSeconds(createdSecond),
        AppliedAt = from is null ? null : T0.AddSeconds(createdSecond + 1),
        EndTime = endSecond is { } s ? T0.AddSeconds(s) : null,
        PreviousValue = from,
        AppliedValue = to,
        Metrics = p is { } pv ? [new DemoExecution.Metric("p99_latency", "Target", "Unchanged", 0.055, 0.054, pv, 0.1, 20, 20)] : [],
    };

    [Fact]
    public void Finished_GrowRolledBackWithoutAKeptGrow_IsOverWithoutWaitingForTheCostPolicy()
    {
        // vigil demo --rate 120 --pool-size 3: the pool doubled 3 -> 6, no gain, rolled back; the cost policy never fires.
        var executions = new List<DemoExecution> { E("grow-pool", "RolledBack", createdSecond: 20, endSecond: 70, from: "3", to: "6"), E("grow-cache", "Pending", "recommend", 25) };

        Assert.True(DemoRun.Finished(executions, harmfulPolicy: true));
        var kept = new List<DemoExecution> { E("grow-pool", "Completed", createdSecond: 20, endSecond: 70, from: "2", to: "4"), E("grow-pool", "RolledBack", createdSecond: 80, endSecond: 130, from: "4", to: "8") };
        Assert.False(DemoRun.Finished(kept, harmfulPolicy: true));
    }

    [Fact]
    public void Quiet_NothingRanForAWholeTrial_IsOverEvenWhenNoPolicyEverActed()
    {
        var quietFor = TimeSpan.FromSeconds(70);
        Assert.False(DemoRun.Quiet([], T0, T0.AddSeconds(69), quietFor));
        Assert.True(DemoRun.Quiet([], T0, T0.AddSeconds(70), quietFor));
        var running = new List<DemoExecution> { E("grow-pool", "Running", createdSecond: 1, from: "2", to: "4") };
        Assert.False(DemoRun.Quiet(running, T0, T0.AddSeconds(500), quietFor));
        var ended = new List<DemoExecution> { E("grow-pool", "RolledBack", createdSecond: 10, endSecond: 100, from: "2", to: "4"), E("grow-cache", "Pending", "recommend", 150) };
        Assert.False(DemoRun.Quiet(ended, T0, T0.AddSeconds(169), quietFor));
        Assert.True(DemoRun.Quiet(ended, T0, T0.AddSeconds(170), quietFor));
    }

    [Fact]
    public void Verdict_ObjectiveMissed_SaysOutOfReachWithWhatWasTriedAndTheRecommendationLeftToAPerson()
    {
        var applied = new List<DemoExecution> { E("grow-pool", "RolledBack", createdSecond: 20, endSecond: 70, from: "3", to: "6", p: 0.26) };
        static string Ms(double? v) => (v!.Value * 1000).ToString("0.0", CultureInfo.InvariantCulture) + " ms";

        string verdict = DemoRun.Verdict(0.055, 0.025, applied, ["grow-cache"], 0.48, Ms);

        Assert.Equal("Verdict      objective out of reach of automatic levers: p99 55.0 ms > 25.0 ms; tried: grow-pool pool_size 3 -> 6 rolled back (p = 0.26); "
            + "left to a person (recommend-mode policies, not applied): grow-cache (cache hit ratio 48 %).", verdict);
        Assert.Equal("Verdict      objective met: p99 20.0 ms ≤ 25.0 ms.", DemoRun.Verdict(0.020, 0.025, applied, [], null, Ms));
    }
}
