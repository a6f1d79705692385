using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.PromQL.Engine;
using Vigil.Analysis.Insights;
using Vigil.Optimizer.Model;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Insights;

/// <summary>The insight engines on stored synthetic series with a known model: trends, capacity, bottlenecks, anomaly clusters.</summary>
public sealed class InsightEngineTests
{
    private const long Now = 1_700_000_000_000;
    private const long Step = 15_000;
    private readonly MemoryStorage _storage = new();

    private InsightContext Context(AnalysisInsightsConfig? config = null, IReadOnlyList<AnomalousSeries>? anomalous = null,
        IReadOnlyDictionary<string, (int, int)>? rates = null)
        => new(_storage, new PromQLEngine(), Now, config ?? new AnalysisInsightsConfig(), anomalous ?? [], rates ?? new Dictionary<string, (int, int)>(), NullLogger.Instance);

    /// <summary>Writes <paramref name="value"/>(seconds before now) every 15 s over <paramref name="span"/> up to now.</summary>
    private void Write(LabelSet labels, TimeSpan span, Func<double, double> value)
    {
        var app = _storage.Appender();
        for (long t = Now - (long)span.TotalMilliseconds; t <= Now; t += Step)
        {
            app.Append(labels, t, value((Now - t) / 1000.0));
        }
        app.Commit();
    }

    private static LabelSet L(string name, params string[] more) => LabelSet.Of([LabelSet.MetricName, name, "job", "shop", "instance", "web-1", .. more]);

    [Fact]
    public void Trend_LatencyRisingHalfInAnHour_DegradationWithSignificance()
    {
        var r = new Random(1);
        // 0.1 s an hour ago, 0.15 s now, noise σ ≈ 0.003.
        Write(L("checkout_duration_seconds"), TimeSpan.FromHours(1), ago => 0.15 - (0.05 * ago / 3600) + (0.006 * (r.NextDouble() - 0.5)));
        Write(L("cart_duration_seconds"), TimeSpan.FromHours(1), _ => 0.1 + (0.006 * (r.NextDouble() - 0.5)));

        var findings = new TrendEngine().Run(Context());

        var f = Assert.Single(findings);
        Assert.Equal(InsightType.PerformanceDegradation, f.Type);
        Assert.Equal("latency", f.Labels["kind"]);
        Assert.Equal("checkout_duration_seconds", f.Labels["series"]);
        Assert.Equal("web-1", f.Labels["instance"]);
        Assert.True(f.Evidence["p_value"] < 1e-6, $"p = {f.Evidence["p_value"]}");
        Assert.InRange(f.Evidence["slope_per_hour"], 0.045, 0.055);
        Assert.InRange(f.Evidence["relative_change"], 0.4, 0.6);
        Assert.Contains(f.Severity, new[] { InsightSeverity.Medium, InsightSeverity.High });
        Assert.Equal(OptimizationActionType.ScaleUp, f.Recommendations[0].Type);
        Assert.StartsWith("latency checkout_duration_seconds{instance=\"web-1\", job=\"shop\"} rose ", f.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Trend_ErrorsAndSaturation_KindsAndTypes()
    {
        var r = new Random(2);
        double errors = 0;
        var app = _storage.Appender();
        for (long t = Now - 3_600_000; t <= Now; t += Step)
        {
            double ago = (Now - t) / 1000.0;
            errors += 15 * (1 + ((3600 - ago) / 3600)) * (0.9 + (0.2 * r.NextDouble()));
            app.Append(L("payment_errors_total"), t, errors);
            app.Append(L("worker_queue_length"), t, 10 + (10 * (3600 - ago) / 3600) + r.NextDouble());
        }
        app.Commit();

        var findings = new TrendEngine().Run(Context()).OrderBy(f => f.Labels["kind"]).ToList();

        Assert.Equal(2, findings.Count);
        Assert.Equal(("errors", InsightType.PerformanceDegradation), (findings[0].Labels["kind"], findings[0].Type));
        Assert.Equal(("saturation", InsightType.TrendIdentified), (findings[1].Labels["kind"], findings[1].Type));
        Assert.Equal(OptimizationActionType.CodeOptimization, findings[0].Recommendations[0].Type);
    }

    [Fact]
    public void Trend_NoiseOnly_NoFindingOverManySeries()
    {
        var r = new Random(3);
        for (int i = 0; i < 30; i++)
        {
            Write(L("svc_duration_seconds", "route", "/r" + i), TimeSpan.FromHours(1), _ => 0.2 + (0.02 * Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble())));
        }
        Assert.Empty(new TrendEngine().Run(Context(new AnalysisInsightsConfig { TrendQueries = [new("svc", "latency", "svc_duration_seconds")] })));
    }

    [Fact]
    public void Trend_DailyRiseAlsoSeenYesterday_NoTrendButARiseBeyondItIsOne()
    {
        var r = new Random(8);
        // Load follows a daily cycle; this hour is on its rising flank (+10 % .. +20 % over the hour), as it was yesterday.
        double Daily(double ago) => 1 + (0.8 * Math.Sin(2 * Math.PI * ((-ago / 86_400) + 0.1)));
        Write(L("node_load1"), TimeSpan.FromHours(25), ago => Daily(ago) * (1 + (0.02 * (r.NextDouble() - 0.5))));
        Assert.Empty(new TrendEngine().Run(Context()));

        // Without yesterday, the same hour is a rising trend (as the engine reported before comparing with it).
        var fresh = new InsightEngineTests();
        fresh.Write(L("node_load1"), TimeSpan.FromHours(1), ago => Daily(ago) * (1 + (0.02 * (r.NextDouble() - 0.5))));
        Assert.Single(new TrendEngine().Run(fresh.Context()));

        // A rise on top of yesterday's is still found.
        var worse = new InsightEngineTests();
        worse.Write(L("node_load1"), TimeSpan.FromHours(25), ago => (Daily(ago) * (1 + (0.02 * (r.NextDouble() - 0.5)))) + (ago < 3600 ? 0.5 * (3600 - ago) / 3600 : 0));
        Assert.Single(new TrendEngine().Run(worse.Context()));
    }

    [Fact]
    public void Capacity_DiskFillingAGigabyteAnHour_TimeToFullInsideItsInterval()
    {
        const double gb = 1 << 30;
        var r = new Random(4);
        string[] fs = ["device", "/dev/sda1", "mountpoint", "/", "fstype", "ext4"];
        // 100 GB disk, 40 GB free now, losing 1 GB/h (noise 50 MB): full in 40 h.
        Write(L("node_filesystem_size_bytes", fs), TimeSpan.FromHours(6), _ => 100 * gb);
        Write(L("node_filesystem_avail_bytes", fs), TimeSpan.FromHours(6), ago => (40 * gb) + (gb * ago / 3600) + (0.05 * gb * (r.NextDouble() - 0.5)));
        // A tmpfs is ignored even when it fills.
        Write(L("node_filesystem_size_bytes", "device", "tmpfs", "mountpoint", "/run", "fstype", "tmpfs"), TimeSpan.FromHours(6), _ => gb);
        Write(L("node_filesystem_avail_bytes", "device", "tmpfs", "mountpoint", "/run", "fstype", "tmpfs"), TimeSpan.FromHours(6), ago => gb * ago / 36_000);

        var f = Assert.Single(new CapacityEngine().Run(Context()));

        Assert.Equal(InsightType.ResourceExhaustion, f.Type);
        Assert.Equal(("disk", "/"), (f.Labels["resource"], f.Labels["mountpoint"]));
        double truth = 40 * 3600;
        Assert.InRange(f.Evidence["seconds_to_exhaustion"], truth * 0.95, truth * 1.05);
        Assert.InRange(truth, f.Evidence["seconds_earliest"], f.Evidence["seconds_latest"]);
        Assert.InRange(f.Evidence["used_ratio"], 0.59, 0.61);
        Assert.Equal(InsightSeverity.Medium, f.Severity);
        Assert.Equal(OptimizationActionType.ScaleUp, f.Recommendations[0].Type);
        Assert.Contains("will run out in about 1d 1", f.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Capacity_FarBeyondHorizonOrShrinking_NoFinding()
    {
        const double gb = 1 << 30;
        Write(L("node_memory_MemTotal_bytes"), TimeSpan.FromHours(6), _ => 64 * gb);
        // 0.01 GB/h growth with 32 GB left: months away.
        Write(L("node_memory_MemAvailable_bytes"), TimeSpan.FromHours(6), ago => (32 * gb) + (0.01 * gb * ago / 3600));
        Assert.Empty(new CapacityEngine().Run(Context()));
    }

    [Fact]
    public void Bottleneck_CpuSaturatedAndLatencyFollowsIt_BothFindings()
    {
        // Utilization climbs from 0.3 to 0.95 over the hour; latency follows it.
        WriteBusyHost(LabelSet.Of("job", "shop", "instance", "web-1"), (L("http_request_duration_seconds"), u => 0.05 + (0.2 * u * u)));

        var findings = new BottleneckEngine().Run(Context());

        var cpu = Assert.Single(findings, f => f.Key.StartsWith("cpu", StringComparison.Ordinal));
        Assert.Equal(InsightType.BottleneckDetected, cpu.Type);
        Assert.Equal("cpu", cpu.Labels["resource"]);
        Assert.InRange(cpu.Evidence["utilization"], 0.9, 0.97);
        Assert.InRange(cpu.Evidence["saturation"], 3.6, 3.9);
        Assert.True(cpu.Evidence["utilization_latency_correlation"] > 0.9);
        Assert.Contains(cpu.Severity, new[] { InsightSeverity.High, InsightSeverity.Critical });
        // Note: node_* signals describe the host behind an exporter: never "spread the load over more instances".
        Assert.DoesNotContain(cpu.Recommendations, r => r.Type == OptimizationActionType.ScaleOut);

        var follows = Assert.Single(findings, f => f.Key.StartsWith("latency/", StringComparison.Ordinal));
        Assert.Equal("cpu", follows.Labels["resource"]);
        Assert.True(follows.Evidence["correlation"] > 0.9);
        Assert.Contains("follows cpu", follows.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Bottleneck_IdleMachine_NoFinding()
    {
        var r = new Random(6);
        double idle = 0;
        var app = _storage.Appender();
        for (long t = Now - 3_600_000; t <= Now; t += Step)
        {
            idle += 15 * (0.8 + (0.05 * r.NextDouble()));
            app.Append(L("node_cpu_seconds_total", "cpu", "0", "mode", "idle"), t, idle);
            app.Append(L("node_load1"), t, 0.3);
        }
        app.Commit();
        Assert.Empty(new BottleneckEngine().Run(Context()));
    }

    [Fact]
    public void Anomaly_ClusterPerInstance_MostAnomalousFirstAndSeverityBySize()
    {
        AnomalousSeries A(string name, string instance, double score) => new(LabelSet.Of("__name__", name, "instance", instance, "job", "node"), score, Now - 30_000, Now - 15_000);
        var anomalous = new[] { A("node_load1", "a", 0.7), A("node_cpu", "a", 0.95), A("disk_io", "a", 0.6), A("node_load1", "b", 0.8) };
        var rates = new Dictionary<string, (int, int)> { ["a"] = (3, 100), ["b"] = (1, 100) };

        var findings = new AnomalyEngine().Run(Context(anomalous: anomalous, rates: rates)).OrderBy(f => f.Key).ToList();

        Assert.Equal(2, findings.Count);
        var a = findings[0];
        Assert.Equal("cluster{instance=\"a\"}", a.Key);
        Assert.Equal(InsightSeverity.Medium, a.Severity);
        Assert.Equal(["node_cpu", "node_load1", "disk_io"], a.AffectedSeries.Select(l => l.Name));
        Assert.Equal(0.03, a.Evidence["anomaly_rate"], 6);
        Assert.Equal(InsightSeverity.Low, findings[1].Severity);
        Assert.Empty(new AnomalyEngine().Run(Context(new AnalysisInsightsConfig { AnomalyMinSeries = 2 }, anomalous: [anomalous[3]], rates: rates)));
    }

    [Fact]
    public void Anomaly_OneSeriesJustPastTheThreshold_NoInsightUnlessStrongOrTogether()
    {
        // The idle host of `vigil bench insights` (seeds 2 and 4): one series' noise reached 0.5 once in the hour.
        AnomalousSeries A(string name, double score) => new(LabelSet.Of("__name__", name, "instance", "web-1:8080", "job", "shop"), score, Now - 30_000, Now - 15_000);
        var rates = new Dictionary<string, (int, int)> { ["web-1:8080"] = (1, 3) };

        Assert.Empty(new AnomalyEngine().Run(Context(anomalous: [A("http_request_duration_seconds", 0.52)], rates: rates)));

        var strong = Assert.Single(new AnomalyEngine().Run(Context(anomalous: [A("http_request_duration_seconds", 0.81)], rates: rates)));
        Assert.Equal(InsightSeverity.Low, strong.Severity);
        var together = Assert.Single(new AnomalyEngine().Run(Context(anomalous: [A("http_request_duration_seconds", 0.52), A("http_requests_total", 0.5)], rates: rates)));
        Assert.Equal(2, together.AffectedSeries.Count);
        Assert.Single(new AnomalyEngine().Run(Context(new AnalysisInsightsConfig { AnomalyMinScoreAlone = 0.5 }, anomalous: [A("http_request_duration_seconds", 0.52)], rates: rates)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Anomaly_OneSeriesWeakButLevelStaysChanged_InsightOnlyForTheStep(bool step)
    {
        // A deploy at 90 s ago: latency steps from 100 ms to 130 ms and stays (a step), or one point of 130 ms (a blip).
        var r = new Random(3);
        var latency = L("http_request_duration_seconds");
        Write(latency, TimeSpan.FromMinutes(20), ago => (step ? (ago <= 90 ? 0.13 : 0.1) : (ago == 90 ? 0.13 : 0.1)) * (1 + (0.05 * (r.NextDouble() - 0.5))));
        var weak = new AnomalousSeries(latency, 0.55, Now - 90_000, Now - 90_000);
        var rates = new Dictionary<string, (int, int)> { ["web-1"] = (1, 3) };

        var findings = new AnomalyEngine().Run(Context(anomalous: [weak], rates: rates));

        if (step)
        {
            var f = Assert.Single(findings);
            Assert.Equal("cluster{instance=\"web-1\"}", f.Key);
            Assert.Equal(latency, Assert.Single(f.AffectedSeries));
        }
        else
        {
            Assert.Empty(findings);
        }
    }

    /// <summary>Host CPU climbing over the hour, with the given extra series following it (seconds before now → utilization → value).</summary>
    private void WriteBusyHost(LabelSet host, params (LabelSet Labels, Func<double, double> Value)[] following)
    {
        var r = new Random(7);
        double idle = 0;
        var app = _storage.Appender();
        for (long t = Now - 3_600_000; t <= Now; t += Step)
        {
            double ago = (Now - t) / 1000.0;
            double utilization = 0.3 + (0.65 * (3600 - ago) / 3600) + (0.02 * (r.NextDouble() - 0.5));
            idle += 15 * (1 - utilization);
            app.Append(host.With(LabelSet.MetricName, "node_cpu_seconds_total").With("cpu", "0").With("mode", "idle"), t, idle);
            app.Append(host.With(LabelSet.MetricName, "node_load1"), t, 4 * utilization);
            foreach (var (labels, value) in following)
            {
                app.Append(labels, t, value(utilization) + (0.002 * r.NextDouble()));
            }
        }
        app.Commit();
    }

    [Fact]
    public void Bottleneck_VigilOwnDurationsFollowTheLoad_NotCandidatesUnlessAsked()
    {
        var host = LabelSet.Of("job", "node", "instance", "127.0.0.1:19100");
        var vigil = LabelSet.Of("job", "vigil", "instance", "127.0.0.1:9612");
        WriteBusyHost(host,
            (vigil.With(LabelSet.MetricName, "vigil_rule_evaluation_duration_seconds"), u => 0.01 + (0.05 * u)),
            (vigil.With(LabelSet.MetricName, "vigil_collector_duration_seconds"), u => 0.02 + (0.1 * u)));

        var findings = new BottleneckEngine().Run(Context());

        var cpu = Assert.Single(findings);
        Assert.StartsWith("cpu", cpu.Key, StringComparison.Ordinal);
        Assert.DoesNotContain("vigil_", cpu.Description, StringComparison.Ordinal);
        Assert.DoesNotContain(cpu.Evidence.Keys, k => k.EndsWith("_latency_correlation", StringComparison.Ordinal));

        var asked = new BottleneckEngine().Run(Context(new AnalysisInsightsConfig { BottleneckIncludeSelf = true }));
        Assert.Contains(asked, f => f.Key.StartsWith("latency/vigil_collector_duration_seconds", StringComparison.Ordinal));
    }

    [Fact]
    public void Bottleneck_NodeExporterTarget_HostAdviceWithEvidenceNotScaleOut()
    {
        var host = LabelSet.Of("job", "node", "instance", "127.0.0.1:19100");
        WriteBusyHost(host, (L("http_request_duration_seconds"), u => 0.05 + (0.2 * u * u)));

        var findings = new BottleneckEngine().Run(Context());

        Assert.Equal(2, findings.Count);
        foreach (var f in findings)
        {
            Assert.Equal("cpu", f.Labels["resource"]);
            Assert.DoesNotContain(f.Recommendations, r => r.Type == OptimizationActionType.ScaleOut);
            Assert.DoesNotContain(f.Recommendations, r => r.Description.Contains("more instances", StringComparison.Ordinal));
            Assert.All(f.Recommendations, r => Assert.Contains("the host 127.0.0.1:19100 reports on (job node)", r.Description, StringComparison.Ordinal));
            Assert.All(f.Recommendations, r => Assert.Contains("; evidence: ", r.Description, StringComparison.Ordinal));
        }
        var cpu = Assert.Single(findings, f => f.Key.StartsWith("cpu", StringComparison.Ordinal));
        Assert.Contains("evidence: utilization 0.9", cpu.Recommendations[0].Description, StringComparison.Ordinal);
        var follows = Assert.Single(findings, f => f.Key.StartsWith("latency/", StringComparison.Ordinal));
        Assert.Contains("follows cpu", follows.Recommendations[0].Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Bottleneck_EvidenceQueries_EvaluateToTheCitedSeries()
    {
        var host = LabelSet.Of("job", "node", "instance", "127.0.0.1:19100");
        WriteBusyHost(host, (L("http_request_duration_seconds"), u => 0.05 + (0.2 * u * u)));
        // Another host at rest: the charts of the busy one must not show it.
        var idleHost = LabelSet.Of("job", "node", "instance", "10.0.0.2:9100");
        var app = _storage.Appender();
        double idle = 0;
        for (long t = Now - 3_600_000; t <= Now; t += Step)
        {
            idle += 15 * 0.9;
            app.Append(idleHost.With(LabelSet.MetricName, "node_cpu_seconds_total").With("cpu", "0").With("mode", "idle"), t, idle);
            app.Append(idleHost.With(LabelSet.MetricName, "node_load1"), t, 0.2);
        }
        app.Commit();

        var cpu = Assert.Single(new BottleneckEngine().Run(Context()), f => f.Key.StartsWith("cpu", StringComparison.Ordinal));

        Assert.NotNull(cpu.Queries);
        Assert.Equal(cpu.AffectedSeries.Select(l => l.Name), cpu.Queries!.Select(q => q.Name));
        var engine = new PromQLEngine();
        foreach (var q in cpu.Queries!)
        {
            using var result = engine.RangeQuery(_storage, q.Query, Now - 600_000, Now, 15_000, null, default);
            var series = Assert.Single(Assert.IsType<MatrixValue>(result.Value).Series);
            Assert.Equal("127.0.0.1:19100", series.Metric.Get("instance"));
            string kind = q.Name["cpu_".Length..];
            Assert.InRange(series.Points[^1].F, cpu.Evidence[kind] * 0.9, cpu.Evidence[kind] * 1.1);
        }
    }

    [Fact]
    public void Recommendation_OptimizerHistory_MeasuredImpactAndCostElsePrior()
    {
        OptimizationExecution E(ExecutionStatus status, double? impact, string target = "web-1/pool") => new()
        {
            Id = Guid.NewGuid().ToString("N"),
            Action = new OptimizationAction { Id = "a", Type = OptimizationActionType.ConfigurationUpdate, Target = target, Policy = "p", Executor = "x" },
            Status = status,
            ActualImpact = impact,
        };
        var executions = new[]
        {
            E(ExecutionStatus.Completed, 0.2), E(ExecutionStatus.Completed, 0.4), E(ExecutionStatus.RolledBack, -0.1), E(ExecutionStatus.Running, null),
            E(ExecutionStatus.Completed, 0.9, "web-2/pool"),
        };
        var measured = Vigil.Server.Composition.OptimizerActionHistory.Measure(executions, OptimizationActionType.ConfigurationUpdate, "web-1");
        Assert.Equal(new MeasuredAction(3, 0.2, 1.0 / 3), measured);
        Assert.Null(Vigil.Server.Composition.OptimizerActionHistory.Measure(executions, OptimizationActionType.ScaleUp, "web-1"));

        var prior = OptimizationRecommendation.For("web-1", InsightSeverity.High, OptimizationActionType.ConfigurationUpdate, "Grow the pool", 0.3, ImplementationCost.Low, 100);
        Assert.Equal((0.3, ImplementationCost.Low, "prior", 0), (prior.ExpectedImpact, prior.ImplementationCost, prior.Basis, prior.MeasuredExecutions));
        var fromHistory = prior.WithHistory(new FixedHistory(measured));
        Assert.Equal((0.2, ImplementationCost.High, "measured", 3), (fromHistory.ExpectedImpact, fromHistory.ImplementationCost, fromHistory.Basis, fromHistory.MeasuredExecutions));
        Assert.Equal("prior", prior.WithHistory(NoActionHistory.Instance).Basis);
    }

    private sealed class FixedHistory(MeasuredAction? m) : IActionHistory
    {
        public MeasuredAction? Find(OptimizationActionType type, string component) => component == "web-1" ? m : null;
    }
}
