using Vigil.Analysis.Insights;
using Vigil.Core.Labels;

namespace Vigil.Bench;

/// <summary>
/// The scenarios of <c>vigil bench insights</c>, generated in code from a seed: a host (node exporter
/// <c>host-1:9100</c>, two cores, 16 GiB, a 100 GiB root filesystem) and an application on it (<c>web-1:8080</c>) with
/// request rate, latency and a downstream call, over 25 hours of history and the simulated hour. Each scenario changes
/// one thing (or nothing) and lists the insights it must produce, those that are also right (allowed) and those it must
/// not produce; anything else an engine raises counts against that engine's precision.
/// </summary>
internal static class InsightScenarios
{
    /// <summary>The sample interval.</summary>
    public const int StepSeconds = 15;

    /// <summary>History written before the simulated hour: a day and an hour, so yesterday's same hour is stored.</summary>
    public const int HistorySeconds = 25 * 3600;

    /// <summary>When the faults of the slow scenarios (leak, filling disk) started: six hours before the simulated hour.</summary>
    private const int FaultStart = -6 * 3600;

    /// <summary>The simulated hour.</summary>
    public const int HourSeconds = 3600;

    private const double GiB = 1024.0 * 1024 * 1024;

    /// <summary>An expected insight: which engine and what it must say.</summary>
    public sealed record Expectation(string Engine, string What, Func<PerformanceInsight, bool> Match);

    /// <summary>One scenario.</summary>
    public sealed record Scenario(string Name, string Description, bool Healthy, Func<int, Shape> CreateShape,
        IReadOnlyList<Expectation> Must, IReadOnlyList<Expectation> Allowed, IReadOnlyList<Expectation> MustNot);

    /// <summary>
    /// The values of one scenario at time <c>t</c> (seconds from the start of the simulated hour; negative in the
    /// history): CPU busy share, latency, memory available, root filesystem available, request rate and downstream latency.
    /// </summary>
    public sealed class Shape(int seed)
    {
        private readonly Random _random = new(seed);

        public Func<double, double> Cpu { get; init; } = _ => 0.3;
        public Func<double, double> Latency { get; init; } = _ => 0.1;
        public Func<double, double> MemoryAvailable { get; init; } = _ => 9 * GiB;
        public Func<double, double> DiskAvailable { get; init; } = _ => 60 * GiB;
        public Func<double, double> Requests { get; init; } = _ => 50;
        public Func<double, double> Downstream { get; init; } = _ => 0.03;

        /// <summary>Relative noise of latency-like values.</summary>
        public double Noise { get; init; } = 0.05;

        /// <summary>A normal deviate.</summary>
        public double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
    }

    public static readonly LabelSet Host = LabelSet.Of("job", "node", "instance", "host-1:9100");
    public static readonly LabelSet App = LabelSet.Of("job", "shop", "instance", "web-1:8080");

    private static double Ramp(double t, double from, double to, double a, double b)
        => t <= from ? a : t >= to ? b : a + ((b - a) * (t - from) / (to - from));

    /// <summary>A daily cycle: 1 at the daily peak, 0 at the trough; the simulated hour is on the rising flank.</summary>
    private static double Daily(double t) => 0.5 - (0.5 * Math.Cos(2 * Math.PI * (t + (8 * 3600)) / 86_400));

    private static Expectation E(string engine, string what, Func<PerformanceInsight, bool> match) => new(engine, what, match);

    private static bool Label(PerformanceInsight i, string name, string value) => i.Labels.TryGetValue(name, out string? v) && v == value;

    private static readonly Expectation CpuBottleneck = E("bottleneck", "cpu bottleneck on host-1",
        i => i.Type == InsightType.BottleneckDetected && Label(i, "resource", "cpu") && !i.Key.StartsWith("latency/", StringComparison.Ordinal) && Label(i, "instance", "host-1:9100"));

    private static readonly Expectation LatencyFollowsCpu = E("bottleneck", "latency of web-1 follows cpu",
        i => i.Type == InsightType.BottleneckDetected && i.Key.StartsWith("latency/http_request_duration_seconds", StringComparison.Ordinal) && Label(i, "resource", "cpu"));

    private static readonly Expectation LatencyTrend = E("trend", "latency of web-1 degrading",
        i => i.Type == InsightType.PerformanceDegradation && Label(i, "kind", "latency") && Label(i, "series", "http_request_duration_seconds"));

    private static readonly Expectation DownstreamTrend = E("trend", "downstream latency degrading",
        i => i.Type == InsightType.PerformanceDegradation && Label(i, "kind", "latency") && Label(i, "series", "downstream_request_duration_seconds"));

    private static readonly Expectation LoadTrend = E("trend", "host load rising",
        i => i.Type == InsightType.TrendIdentified && Label(i, "series", "node_load1"));

    private static readonly Expectation AnyAnomaly = E("anomaly", "anomaly cluster", i => i.Type == InsightType.AnomalyDetected);

    private static readonly Expectation AnyCpu = E("bottleneck", "any cpu bottleneck", i => Label(i, "resource", "cpu"));

    private static readonly Expectation AnyCapacity = E("capacity", "any exhaustion", i => i.Type == InsightType.ResourceExhaustion);

    private static readonly Expectation ScaleOutOfExporter = E("any", "scale-out of the node exporter",
        i => i.Recommendations.Any(r => r.Type == OptimizationActionType.ScaleOut && r.AffectedComponents.Contains("host-1:9100")));

    /// <summary>The suite.</summary>
    public static IReadOnlyList<Scenario> All { get; } =
    [
        new("cpu-saturation", "CPU busy 0.35 → 0.95 over the first half of the hour; latency follows with a lag-free square law",
            false,
            seed => new Shape(seed)
            {
                Cpu = t => Ramp(t, 0, 1800, 0.35, 0.95),
                Latency = t => 0.08 + (0.6 * Math.Pow(Math.Max(0, Ramp(t, 0, 1800, 0.35, 0.95) - 0.3), 2)),
            },
            [CpuBottleneck, LatencyFollowsCpu, LatencyTrend],
            [LoadTrend, AnyAnomaly],
            [ScaleOutOfExporter, AnyCapacity]),
        new("memory-leak", "available memory falls 1.4 GiB/h from 9 GiB six hours ago: exhausted within the hour after this one",
            false,
            seed => new Shape(seed) { MemoryAvailable = t => Math.Clamp((9 * GiB) - (1.4 * GiB * (t - FaultStart) / 3600), 0.05 * GiB, 9 * GiB) },
            [E("capacity", "memory exhaustion on host-1", i => i.Type == InsightType.ResourceExhaustion && Label(i, "resource", "memory"))],
            [E("bottleneck", "memory bottleneck", i => Label(i, "resource", "memory")), AnyAnomaly],
            [AnyCpu]),
        new("disk-filling", "the root filesystem loses 2 GiB/h from 72 GiB free: full in about 30 h",
            false,
            seed => new Shape(seed) { DiskAvailable = t => Math.Min(72 * GiB, (72 * GiB) - (2 * GiB * (t - FaultStart) / 3600)) },
            [E("capacity", "disk exhaustion of / on host-1", i => i.Type == InsightType.ResourceExhaustion && Label(i, "resource", "disk") && Label(i, "mountpoint", "/"))],
            [AnyAnomaly],
            [AnyCpu]),
        new("deploy-latency-trend", "a deploy 20 minutes in: latency steps from 100 ms to 130 ms and keeps rising to 200 ms",
            false,
            seed => new Shape(seed) { Latency = t => t < 1200 ? 0.1 : 0.13 + (0.07 * (t - 1200) / 2400) },
            [LatencyTrend, E("anomaly", "anomaly on web-1 at the deploy", i => i.Type == InsightType.AnomalyDetected && i.Key.Contains("web-1:8080", StringComparison.Ordinal))],
            [],
            [AnyCpu, AnyCapacity]),
        new("seasonal-traffic", "requests follow the daily cycle (rising through the hour), CPU with them (0.2 → 0.45); latency flat: nothing is wrong",
            true,
            seed => new Shape(seed)
            {
                Requests = t => 20 + (80 * Daily(t)),
                Cpu = t => 0.15 + (0.35 * Daily(t)),
            },
            [], [], []),
        new("idle-host", "a host and an application doing next to nothing",
            true,
            seed => new Shape(seed) { Cpu = _ => 0.02, Requests = _ => 0.2, Latency = _ => 0.01 },
            [], [], []),
        new("noisy-neighbour", "another tenant takes the CPU half-way through (busy 0.3 → 0.93 in a minute); the application's requests do not change, its latency rises",
            false,
            seed => new Shape(seed)
            {
                Cpu = t => Ramp(t, 1800, 1860, 0.3, 0.93),
                Latency = t => Ramp(t, 1800, 1860, 0.1, 0.28),
            },
            [CpuBottleneck, E("anomaly", "anomaly on host-1 when the neighbour starts", i => i.Type == InsightType.AnomalyDetected && i.Key.Contains("host-1:9100", StringComparison.Ordinal))],
            [LatencyFollowsCpu, LatencyTrend, LoadTrend, AnyAnomaly],
            [ScaleOutOfExporter, AnyCapacity]),
        new("slow-downstream", "the downstream service slows from 30 ms to 150 ms over the hour and the application's latency with it; CPU stays at 0.25",
            false,
            seed => new Shape(seed)
            {
                Cpu = _ => 0.25,
                Downstream = t => Ramp(t, 0, HourSeconds, 0.03, 0.15),
                Latency = t => 0.07 + Ramp(t, 0, HourSeconds, 0.03, 0.15),
            },
            [LatencyTrend, DownstreamTrend],
            [AnyAnomaly],
            [AnyCpu, AnyCapacity]),
    ];
}
