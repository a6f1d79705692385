using Vigil.Analysis.Statistics;
using Vigil.Core.Labels;

namespace Vigil.Analysis.Insights;

/// <summary>
/// The bottleneck engine, by Brendan Gregg's USE method: for every resource — CPU, memory, disks, network, file
/// descriptors, the .NET thread pool and GC, database connection pools — its utilization, saturation and errors over the
/// last five minutes; a resource past its threshold is a <see cref="InsightType.BottleneckDetected"/>. Over the whole
/// window it also correlates every resource signal with every latency series: the best correlated one is named in the
/// evidence, and a rising latency that follows one resource (correlation at least <c>bottleneck.min_correlation</c>) is a
/// bottleneck of its own, "latency follows X".
/// </summary>
internal sealed class BottleneckEngine : IInsightEngine
{
    private const string Utilization = "utilization";
    private const string Saturation = "saturation";
    private const string Errors = "errors";

    /// <summary>The recent span the thresholds are checked on.</summary>
    public static readonly TimeSpan Recent = TimeSpan.FromMinutes(5);

    /// <inheritdoc />
    public string Name => "bottleneck";

    /// <summary>One USE signal of a resource. A null threshold means the configured utilization threshold.</summary>
    internal sealed record Signal(string Resource, string Kind, string Query, double? Threshold);

    /// <summary>The built-in signals (series that do not exist just give nothing).</summary>
    internal static readonly Signal[] Signals =
    [
        new("cpu", Utilization, "1 - avg by (job, instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[1m]))", null),
        new("cpu", Saturation, "avg by (job, instance) (node_load1) / count by (job, instance) (node_cpu_seconds_total{mode=\"idle\"})", 1.0),
        new("memory", Utilization, "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes", null),
        new("disk", Utilization, "rate(node_disk_io_time_seconds_total[1m])", null),
        new("disk", Saturation, "rate(node_disk_io_time_weighted_seconds_total[1m])", 2.0),
        new("network", Saturation, "rate(node_network_receive_drop_total[1m]) + rate(node_network_transmit_drop_total[1m])", 1.0),
        new("network", Errors, "rate(node_network_receive_errs_total[1m]) + rate(node_network_transmit_errs_total[1m])", 0.01),
        new("file_descriptors", Utilization, "node_filefd_allocated / node_filefd_maximum", null),
        new("thread_pool", Saturation, "dotnet_thread_pool_queue_length", 1.0),
        new("gc", Utilization, "rate(dotnet_gc_pause_time_seconds_total[1m])", 0.1),
        new("db_connections", Utilization, "sum by (job, instance, pool_name) (db_client_connections_usage{state!=\"idle\"}) / sum by (job, instance, pool_name) (db_client_connections_max)", null),
        new("db_connections", Saturation, "sum by (job, instance, pool_name) (db_client_connections_pending_requests)", 1.0),
    ];

    /// <inheritdoc />
    public IReadOnlyList<Finding> Run(InsightContext context)
    {
        var config = context.Config;
        var measured = new List<(Signal Signal, RangeSeries Series)>();
        foreach (var signal in Signals)
        {
            foreach (var s in context.Range(signal.Query, config.Window))
            {
                measured.Add((signal, s));
            }
        }
        var latency = new List<(string Name, RangeSeries Series)>();
        foreach (var q in WatchedQueries.Discover(context.MetricNames(config.Window), config))
        {
            if (q.Kind == WatchedQueries.Latency)
            {
                latency.AddRange(context.Range(q.Query, config.Window).Select(s => (q.Name, s)));
            }
        }
        return Analyze(measured, latency, context.NowMs, config.Utilization, config.MinCorrelation, config.TrendPValue);
    }

    /// <summary>The findings for measured signals and latency series (aligned on the same steps).</summary>
    internal static List<Finding> Analyze(IReadOnlyList<(Signal Signal, RangeSeries Series)> measured, IReadOnlyList<(string Name, RangeSeries Series)> latency,
        long nowMs, double utilizationThreshold, double minCorrelation, double pValue)
    {
        double recentFrom = nowMs - Recent.TotalMilliseconds;
        // Note: the best latency correlation of each resource signal, for the evidence and the "latency follows" findings.
        var best = new Dictionary<RangeSeries, (double R, string Latency)>();
        foreach (var (_, s) in measured)
        {
            foreach (var (name, l) in latency)
            {
                double r = Correlation(s, l);
                if (double.IsFinite(r) && (!best.TryGetValue(s, out var b) || r > b.R))
                {
                    best[s] = (r, name + l.Labels.WithoutMetricName());
                }
            }
        }
        var findings = new List<Finding>();
        foreach (var group in measured.GroupBy(m => (m.Signal.Resource, Key: m.Series.Labels.WithoutMetricName().ToString())))
        {
            var evidence = new Dictionary<string, double>(StringComparer.Ordinal);
            var reasons = new List<string>();
            var severity = InsightSeverity.Low;
            double confidence = 0;
            bool over = false;
            LabelSet labels = LabelSet.Empty;
            var affected = new List<LabelSet>();
            foreach (var (signal, s) in group)
            {
                labels = s.Labels.WithoutMetricName();
                double threshold = signal.Threshold ?? utilizationThreshold;
                double mean = s.MeanSince(recentFrom);
                if (!double.IsFinite(mean))
                {
                    continue;
                }
                evidence[signal.Kind] = mean;
                evidence[signal.Kind + "_threshold"] = threshold;
                if (best.TryGetValue(s, out var b))
                {
                    evidence[signal.Kind + "_latency_correlation"] = b.R;
                }
                if (mean < threshold)
                {
                    continue;
                }
                over = true;
                confidence = Math.Max(confidence, s.ShareAtLeast(recentFrom, threshold));
                affected.Add(labels.With(LabelSet.MetricName, group.Key.Resource + "_" + signal.Kind));
                reasons.Add($"{signal.Kind} {InsightContext.Format(mean)} ≥ {InsightContext.Format(threshold)}");
                var s2 = signal.Kind == Utilization && signal.Threshold is null
                    ? mean >= 0.97 ? InsightSeverity.Critical : mean >= 0.9 ? InsightSeverity.High : InsightSeverity.Medium
                    : mean >= 4 * threshold ? InsightSeverity.Critical : mean >= 2 * threshold ? InsightSeverity.High : InsightSeverity.Medium;
                severity = (InsightSeverity)Math.Max((int)severity, (int)s2);
            }
            if (!over)
            {
                continue;
            }
            string resource = group.Key.Resource;
            string component = TrendEngine.Component(labels);
            string where = labels.Count == 0 ? string.Empty : " " + labels;
            string description = $"{resource} is a bottleneck{where}: {string.Join(", ", reasons)} over the last {InsightContext.Format(Recent)}";
            var correlated = group.Where(m => best.ContainsKey(m.Series)).Select(m => best[m.Series]).OrderByDescending(b => b.R).FirstOrDefault();
            if (correlated.Latency is not null && correlated.R >= minCorrelation)
            {
                description += $"; latency {correlated.Latency} follows it (r = {InsightContext.Format(correlated.R)})";
            }
            var signalLabels = labels.ToDictionary();
            signalLabels["resource"] = resource;
            findings.Add(new Finding($"{resource}{labels}", InsightType.BottleneckDetected, severity, description, signalLabels, affected,
                confidence, evidence, Recommend(resource, component, severity)));
        }
        findings.AddRange(LatencyFollows(measured, latency, best, minCorrelation, pValue));
        return findings;
    }

    /// <summary>Rising latency series and the resource signal that explains them best (over the minimum correlation).</summary>
    private static IEnumerable<Finding> LatencyFollows(IReadOnlyList<(Signal Signal, RangeSeries Series)> measured, IReadOnlyList<(string Name, RangeSeries Series)> latency,
        Dictionary<RangeSeries, (double R, string Latency)> best, double minCorrelation, double pValue)
    {
        foreach (var (name, l) in latency)
        {
            var (x, y) = TrendEngine.Finite(l);
            if (x.Length < TrendEngine.MinPoints)
            {
                continue;
            }
            var trend = Trend.TheilSen(x, y);
            if (!(trend.Slope > 0) || !(trend.PValue < pValue))
            {
                continue;
            }
            (Signal Signal, RangeSeries Series, double R)? top = null;
            foreach (var (signal, s) in measured)
            {
                double r = Correlation(s, l);
                if (double.IsFinite(r) && r >= minCorrelation && (top is null || r > top.Value.R))
                {
                    top = (signal, s, r);
                }
            }
            if (top is not { } t)
            {
                continue;
            }
            var latencyLabels = l.Labels.WithoutMetricName();
            var resourceLabels = t.Series.Labels.WithoutMetricName();
            string resource = t.Signal.Resource;
            var labels = latencyLabels.ToDictionary();
            labels["resource"] = resource;
            labels["series"] = name;
            var ranked = measured
                .Select(m => (m.Signal, m.Series, R: Correlation(m.Series, l)))
                .Where(m => double.IsFinite(m.R))
                .OrderByDescending(m => m.R)
                .Take(5)
                .ToList();
            var evidence = new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["correlation"] = t.R,
                ["latency_slope_per_hour"] = trend.Slope * 3_600_000,
                ["latency_p_value"] = trend.PValue,
            };
            foreach (var m in ranked)
            {
                evidence.TryAdd($"correlation_{m.Signal.Resource}_{m.Signal.Kind}", m.R);
            }
            var severity = t.R >= 0.9 ? InsightSeverity.High : InsightSeverity.Medium;
            yield return new Finding(
                $"latency/{name}{latencyLabels}",
                InsightType.BottleneckDetected,
                severity,
                $"latency {name}{latencyLabels} is rising and follows {resource} {t.Signal.Kind}{(resourceLabels.Count == 0 ? string.Empty : " " + resourceLabels)} " +
                $"(r = {InsightContext.Format(t.R)}; next best: {string.Join(", ", ranked.Skip(1).Take(2).Select(m => $"{m.Signal.Resource} {m.Signal.Kind} {InsightContext.Format(m.R)}"))})",
                labels,
                [l.Labels.Has(LabelSet.MetricName) ? l.Labels : latencyLabels, resourceLabels.With(LabelSet.MetricName, resource + "_" + t.Signal.Kind)],
                t.R,
                evidence,
                Recommend(resource, TrendEngine.Component(resourceLabels), severity));
        }
    }

    /// <summary>The Pearson correlation of two range series over their common timestamps (NaN when too few or constant).</summary>
    internal static double Correlation(RangeSeries a, RangeSeries b)
    {
        int i = 0, j = 0, n = 0;
        double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
        while (i < a.Times.Length && j < b.Times.Length)
        {
            if (a.Times[i] < b.Times[j])
            {
                i++;
            }
            else if (a.Times[i] > b.Times[j])
            {
                j++;
            }
            else
            {
                double x = a.Values[i++], y = b.Values[j++];
                if (double.IsFinite(x) && double.IsFinite(y))
                {
                    n++;
                    sa += x;
                    sb += y;
                    saa += x * x;
                    sbb += y * y;
                    sab += x * y;
                }
            }
        }
        if (n < 10)
        {
            return double.NaN;
        }
        double cov = sab - (sa * sb / n), va = saa - (sa * sa / n), vb = sbb - (sb * sb / n);
        return va > 1e-12 * Math.Max(1, saa) && vb > 1e-12 * Math.Max(1, sbb) ? cov / Math.Sqrt(va * vb) : double.NaN;
    }

    /// <summary>The advice for a saturated resource, by resource name.</summary>
    private static readonly RecommendationTable SaturationAdvice = new(
        new Dictionary<string, RecommendationTable.Advice[]>(StringComparer.Ordinal)
        {
            ["cpu"] =
            [
                new(OptimizationActionType.ScaleOut, "Spread the load of {component} over more instances", 0.4, ImplementationCost.High, 150),
                new(OptimizationActionType.ScaleUp, "Give {component} more CPU cores", 0.3, ImplementationCost.Medium, 140),
                new(OptimizationActionType.CodeOptimization, "Profile the hottest code paths on {component}", 0.25, ImplementationCost.Medium, 100),
            ],
            ["memory"] =
            [
                new(OptimizationActionType.ScaleUp, "Give {component} more memory", 0.3, ImplementationCost.Medium, 150),
                new(OptimizationActionType.CacheOptimization, "Bound the caches on {component} (size limits, eviction)", 0.2, ImplementationCost.Low, 120),
            ],
            ["disk"] =
            [
                new(OptimizationActionType.ScaleUp, "Move {component} to faster storage (SSD/NVMe, more IOPS)", 0.4, ImplementationCost.High, 140),
                new(OptimizationActionType.CacheOptimization, "Cache hot reads on {component} to take load off the disk", 0.3, ImplementationCost.Medium, 130),
            ],
            ["network"] =
            [
                new(OptimizationActionType.NetworkOptimization, "Check the network of {component}: drops and errors (link, MTU, buffers, connection reuse)", 0.3, ImplementationCost.Medium, 140),
            ],
            ["file_descriptors"] =
            [
                new(OptimizationActionType.ConfigurationUpdate, "Raise the open-file limit of {component} and look for leaked handles", 0.3, ImplementationCost.Low, 140),
            ],
            ["thread_pool"] =
            [
                new(OptimizationActionType.ConfigurationUpdate, "Raise the thread pool's minimum threads of {component} (ThreadPool.SetMinThreads)", 0.3, ImplementationCost.Low, 150),
                new(OptimizationActionType.CodeOptimization, "Remove blocking calls (sync over async) on {component}", 0.5, ImplementationCost.Medium, 140),
            ],
            ["gc"] =
            [
                new(OptimizationActionType.CodeOptimization, "Cut allocations on the hot paths of {component} (pooling, spans)", 0.3, ImplementationCost.Medium, 140),
                new(OptimizationActionType.ConfigurationUpdate, "Use Server GC / DATAS or a larger heap for {component}", 0.2, ImplementationCost.Low, 130),
            ],
            ["db_connections"] =
            [
                new(OptimizationActionType.DatabaseOptimization, "Speed up the slowest queries of {component} (indexes, fewer round trips) so connections return sooner", 0.4, ImplementationCost.Medium, 150),
                new(OptimizationActionType.ConfigurationUpdate, "Grow the connection pool of {component} (Maximum Pool Size), within the database's max_connections", 0.3, ImplementationCost.Low, 140),
            ],
        },
        [new(OptimizationActionType.ScaleUp, "Add capacity for {resource} on {component}", 0.3, ImplementationCost.Medium, 100)]);

    /// <summary>What to do about a saturated resource.</summary>
    internal static List<OptimizationRecommendation> Recommend(string resource, string component, InsightSeverity severity)
        => SaturationAdvice.For(resource, component, severity);
}
