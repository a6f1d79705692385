using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;

namespace Vigil.Bench;

/// <summary>The scenarios of <c>vigil bench optimize</c>: shapes of the demo service where different levers matter (or none).</summary>
internal static class OptimizeScenarios
{
    /// <summary>One scenario: the service at the start, the objective with its levers, and a change of conditions mid-run.</summary>
    public sealed record Scenario(string Name, string Description, DemoServiceModel Start, OptimizationObjectiveConfig Objective,
        TimeSpan Duration, TimeSpan? ChangeAt = null, double? CoresAfter = null);

    private static readonly OptimizationMetricConfig P99 = new() { Name = "p99_latency", Query = "p99", Better = MetricDirection.Lower };

    private static readonly OptimizationConstraintConfig Errors = new() { Name = "error_ratio", Query = "errors", Limit = 0.01 };

    private static OptimizationLeverConfig Pool(double cost = 0) => new() { Name = "pool_size", Executor = "demo", Target = "demo/pool_size", Min = 1, Max = 64, CostPerUnit = cost };

    private static OptimizationLeverConfig Cache(double max = 10_000, OptimizationMode? mode = null)
        => new() { Name = "cache_size", Executor = "demo", Target = "demo/cache_size", Min = 100, Max = max, Step = 50, Mode = mode };

    private static OptimizationObjectiveConfig Objective(double? threshold, params OptimizationLeverConfig[] levers)
        => new() { Name = "p99_latency", Target = P99, Threshold = threshold, Constraints = [Errors], Levers = levers };

    private static DemoServiceModel Model(double rate, double cores, params (string Knob, double Value)[] knobs)
        => new() { Rate = rate, Cores = cores, Knobs = knobs.ToDictionary(k => k.Knob, k => k.Value) };

    /// <summary>Every scenario, in the order of the report.</summary>
    public static IReadOnlyList<Scenario> All { get; } =
    [
        new("pool-bound", "800 req/s, 31 % misses, 8 downstream cores, pool 2: the pool is the bottleneck; levers pool and cache",
            Model(800, 8, ("pool_size", 2), ("cache_size", 500)), Objective(null, Pool(), Cache(500)), TimeSpan.FromMinutes(40)),
        new("cache-bound", "800 req/s, 4 cores, pool 16, cache 100 (47 % hits): the downstream saturates; only the cache helps; levers pool and cache",
            Model(800, 4, ("pool_size", 16), ("cache_size", 100)), Objective(null, Pool(), Cache()), TimeSpan.FromMinutes(40)),
        new("downstream-200", "200 req/s, 2 downstream cores, cache 1000 (recommend-only lever): p99 ≤ 45 ms reachable with the pool",
            Model(200, 2, ("pool_size", 1), ("cache_size", 1000)), Objective(0.045, Pool(), Cache(mode: OptimizationMode.Recommend)), TimeSpan.FromMinutes(40)),
        new("downstream-400", "400 req/s, 2 downstream cores: p99 ≤ 45 ms is out of reach of the pool; the cache is recommend-only",
            Model(400, 2, ("pool_size", 1), ("cache_size", 1000)), Objective(0.045, Pool(), Cache(mode: OptimizationMode.Recommend)), TimeSpan.FromMinutes(40)),
        new("downstream-600", "600 req/s, 2 downstream cores: saturated at any pool size; the cache is recommend-only",
            Model(600, 2, ("pool_size", 2), ("cache_size", 1000)), Objective(0.045, Pool(), Cache(mode: OptimizationMode.Recommend)), TimeSpan.FromMinutes(40)),
        new("non-monotonic", "400 req/s, batch_size 1 in [1, 256] with its optimum at 16 (both ends twice as slow)",
            Model(400, 8, ("pool_size", 8), ("cache_size", 500), ("batch_size", 1)),
            Objective(null, new OptimizationLeverConfig { Name = "batch_size", Executor = "demo", Target = "demo/batch_size", Min = 1, Max = 256 }), TimeSpan.FromMinutes(40)),
        new("no-effect", "400 req/s, a flush interval in [1, 1000] ms that changes nothing",
            Model(400, 8, ("pool_size", 8), ("cache_size", 500), ("flush_ms", 10)),
            Objective(null, new OptimizationLeverConfig { Name = "flush_ms", Executor = "demo", Target = "demo/flush_ms", Min = 1, Max = 1000 }), TimeSpan.FromMinutes(40)),
        new("noisy-neighbour", "800 req/s, 8 cores, pool 2; at 20 min a neighbour takes 5 of the 8 cores; levers pool and cache (≤ 2000)",
            Model(800, 8, ("pool_size", 2), ("cache_size", 500)), Objective(null, Pool(), Cache(2000)), TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(20), 3),
        new("pool-cost", "800 req/s, 8 cores, pool 32 (one cost unit per worker): keep p99 ≤ 60 ms at the fewest workers",
            Model(800, 8, ("pool_size", 32), ("cache_size", 500)), Objective(0.060, Pool(cost: 1)), TimeSpan.FromMinutes(40)),
    ];
}
