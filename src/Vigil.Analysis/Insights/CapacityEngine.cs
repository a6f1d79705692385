using Vigil.Analysis.Forecasting;
using Vigil.Analysis.Statistics;
using Vigil.Core.Labels;

namespace Vigil.Analysis.Insights;

/// <summary>
/// The capacity engine: for disks, memory, file descriptors, connection pools and the configured
/// <c>capacity.resources</c>, a line fitted to the usage over <c>capacity.window</c>; when the usage rises significantly
/// (Mann–Kendall) and reaches the limit within <c>capacity.horizon</c>, a <see cref="InsightType.ResourceExhaustion"/>
/// with the expected time and its interval (where the 95 % prediction band crosses the limit).
/// </summary>
internal sealed class CapacityEngine : IInsightEngine
{
    private const string Filesystems = "fstype!~\"tmpfs|ramfs|devtmpfs|overlay|squashfs|nsfs|proc|sysfs|autofs\"";

    /// <summary>The built-in resources.</summary>
    internal static readonly AnalysisCapacityConfig[] Resources =
    [
        new("disk", $"node_filesystem_size_bytes{{{Filesystems}}} - node_filesystem_avail_bytes{{{Filesystems}}}", $"node_filesystem_size_bytes{{{Filesystems}}}"),
        new("memory", "node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes", "node_memory_MemTotal_bytes"),
        new("file_descriptors", "node_filefd_allocated", "node_filefd_maximum"),
        new("db_connections", "sum by (job, instance, pool_name) (db_client_connections_usage)", "sum by (job, instance, pool_name) (db_client_connections_max)"),
    ];

    /// <inheritdoc />
    public string Name => "capacity";

    /// <inheritdoc />
    public IReadOnlyList<Finding> Run(InsightContext context)
    {
        var config = context.Config;
        var findings = new List<Finding>();
        foreach (var resource in Resources.Concat(config.CapacityResources))
        {
            var limits = context.Range(resource.Limit, config.CapacityWindow, 240)
                .ToDictionary(s => s.Labels.WithoutMetricName(), s => s.Last);
            foreach (var usage in context.Range(resource.Usage, config.CapacityWindow, 240))
            {
                var labels = usage.Labels.WithoutMetricName();
                if (limits.TryGetValue(labels, out double limit)
                    && Analyze(resource.Name, usage, limit, context.NowMs, config.CapacityHorizon, config.TrendPValue) is { } f)
                {
                    findings.Add(f with
                    {
                        Queries = [EvidenceQuery.For(resource.Name + "_usage", resource.Usage, labels), EvidenceQuery.For(resource.Name + "_limit", resource.Limit, labels)],
                    });
                }
            }
        }
        return findings;
    }

    /// <summary>The finding for one usage series against its limit, or null when it will not run out within the horizon.</summary>
    internal static Finding? Analyze(string resource, RangeSeries usage, double limit, long nowMs, TimeSpan horizon, double pValue)
    {
        var (x, y) = TrendEngine.Finite(usage);
        if (x.Length < TrendEngine.MinPoints || !(limit > 0) || !double.IsFinite(limit))
        {
            return null;
        }
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (x[i] - nowMs) / 1000.0;
        }
        var trend = Trend.TheilSen(x, y);
        if (!(trend.Slope > 0) || !(trend.PValue < pValue))
        {
            return null;
        }
        LinearForecast fit;
        try
        {
            fit = LinearForecast.Fit(x, y);
        }
        catch (ArgumentException)
        {
            return null;
        }
        if (ExhaustionEstimate.Find(fit, limit, 0, horizon.TotalSeconds) is not { } when)
        {
            return null;
        }
        var estimate = TimeSpan.FromSeconds(when.Estimate);
        var earliest = TimeSpan.FromSeconds(when.Earliest);
        string latest = double.IsFinite(when.Latest) ? InsightContext.Format(TimeSpan.FromSeconds(when.Latest)) : "beyond the horizon";
        var severity = earliest <= TimeSpan.FromHours(1) ? InsightSeverity.Critical
            : earliest <= TimeSpan.FromDays(1) ? InsightSeverity.High
            : earliest <= TimeSpan.FromDays(3) ? InsightSeverity.Medium
            : InsightSeverity.Low;
        var labels = usage.Labels.WithoutMetricName();
        double used = y[^1] / limit;
        string what = labels.Count == 0 ? resource : $"{resource} {labels}";
        string description = $"{what} will run out in about {InsightContext.Format(estimate)} (95 % interval {InsightContext.Format(earliest)} to {latest}): " +
            $"{InsightContext.Format(used * 100)} % used, growing {InsightContext.Format(fit.Slope * 3600)}/h towards {InsightContext.Format(limit)}";
        var signalLabels = labels.ToDictionary();
        signalLabels["resource"] = resource;
        string component = TrendEngine.Component(labels);
        string mount = labels.Get("mountpoint");
        if (mount.Length > 0)
        {
            component += ":" + mount;
        }
        return new Finding(
            $"{resource}{labels}",
            InsightType.ResourceExhaustion,
            severity,
            description,
            signalLabels,
            [labels.With(LabelSet.MetricName, resource + "_usage")],
            1 - trend.PValue,
            new Dictionary<string, double>
            {
                ["seconds_to_exhaustion"] = when.Estimate,
                ["seconds_earliest"] = when.Earliest,
                ["seconds_latest"] = when.Latest,
                ["usage"] = y[^1],
                ["limit"] = limit,
                ["used_ratio"] = used,
                ["growth_per_hour"] = fit.Slope * 3600,
                ["p_value"] = trend.PValue,
            },
            Recommend(resource, component, severity));
    }

    /// <summary>The advice for a resource that will run out, by resource name.</summary>
    private static readonly RecommendationTable ExhaustionAdvice = new(
        new Dictionary<string, RecommendationTable.Advice[]>(StringComparer.Ordinal)
        {
            ["disk"] =
            [
                new(OptimizationActionType.ScaleUp, "Grow the filesystem of {component} before it fills", 1.0, ImplementationCost.Medium, 200),
                new(OptimizationActionType.ConfigurationUpdate, "Free space on {component}: shorter retention, log rotation, old files", 0.5, ImplementationCost.Low, 190),
            ],
            ["memory"] =
            [
                new(OptimizationActionType.CodeOptimization, "Memory on {component} grows steadily: look for a leak or an unbounded cache", 0.6, ImplementationCost.Medium, 190),
                new(OptimizationActionType.ScaleUp, "Give {component} more memory", 0.4, ImplementationCost.Medium, 180),
            ],
            ["db_connections"] =
            [
                new(OptimizationActionType.ConfigurationUpdate, "Grow the connection pool of {component}", 0.5, ImplementationCost.Low, 190),
                new(OptimizationActionType.DatabaseOptimization, "Connections of {component} keep growing: look for connections not returned to the pool", 0.6, ImplementationCost.Medium, 180),
            ],
            ["file_descriptors"] =
            [
                new(OptimizationActionType.ConfigurationUpdate, "Raise the open-file limit of {component}", 0.5, ImplementationCost.Low, 190),
                new(OptimizationActionType.CodeOptimization, "Open files of {component} keep growing: look for handles not closed", 0.6, ImplementationCost.Medium, 180),
            ],
        },
        [new(OptimizationActionType.ScaleUp, "Add {resource} capacity to {component} before it runs out", 0.5, ImplementationCost.Medium, 180)]);

    private static List<OptimizationRecommendation> Recommend(string resource, string component, InsightSeverity severity)
        => ExhaustionAdvice.For(resource, component, severity);
}
