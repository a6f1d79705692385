using Vigil.Analysis.Insights;
using Vigil.Core.Config;
using Vigil.Server.Config;

namespace Vigil.Server.Tests.Insights;

/// <summary>The <c>analysis:</c> section: every value bound, every mistake reported with its position.</summary>
public sealed class AnalysisConfigTests
{
    private static VigilConfig Parse(string yaml) => VigilConfig.Parse(yaml, "vigil.yaml", "/etc/vigil");

    private static List<string> Errors(string yaml)
        => Assert.Throws<ConfigException>(() => Parse(yaml)).Errors.Select(e => e.ToString()).ToList();

    [Fact]
    public void Parse_NoSection_NullSoServeUsesTheDefaults()
    {
        Assert.Null(Parse("global: { scrape_interval: 15s }").Analysis);
        var d = new AnalysisConfig();
        Assert.Equal((true, TimeSpan.FromSeconds(15), "vigil", 0.5, true, 10_000), (d.Enabled, d.EvaluationInterval, d.Detector, d.Threshold, d.BuiltinSeries, d.MaxSeries));
    }

    [Fact]
    public void Parse_FullSection_EveryValueBound()
    {
        var a = Parse("""
            analysis:
              enabled: true
              evaluation_interval: 30s
              detector: { name: mad, parameters: { window: 500 } }
              threshold: 0.7
              hold: 2m
              builtin_series: false
              selectors: ['{job="shop"}', 'http_requests_total{code=~"5.."}']
              max_series: 500
              warmup: 30m
              state_save_interval: 1m
              insights:
                enabled: true
                interval: 2m
                window: 3h
                min_confidence: 0.9
                history_limit: 50
                trend:
                  p_value: 0.001
                  min_change: 0.2
                  queries: [{ name: p99, kind: latency, query: 'histogram_quantile(0.99, rate(x_bucket[5m]))' }]
                bottleneck: { utilization: 0.75, min_correlation: 0.6, include_self: true }
                capacity:
                  window: 12h
                  horizon: 14d
                  resources: [{ name: queue, usage: 'sum(q_depth)', limit: 'sum(q_capacity)' }]
                anomaly: { min_series: 3, min_score_alone: 0.9 }
            """).Analysis!;
        Assert.Equal((TimeSpan.FromSeconds(30), "mad", 500.0, 0.7, TimeSpan.FromMinutes(2), false), (a.EvaluationInterval, a.Detector, a.DetectorParameters["window"], a.Threshold, a.Hold, a.BuiltinSeries));
        Assert.Equal(["{job=\"shop\"}", "http_requests_total{code=~\"5..\"}"], a.Selectors.Select(s => s.Text));
        Assert.Equal(2, a.Selectors[1].Matchers.Count);
        Assert.Equal((500, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(1)), (a.MaxSeries, a.Warmup, a.StateSaveInterval));
        var i = a.Insights;
        Assert.Equal((TimeSpan.FromMinutes(2), TimeSpan.FromHours(3), 0.9, 50), (i.Interval, i.Window, i.MinConfidence, i.HistoryLimit));
        Assert.Equal((0.001, 0.2, "latency"), (i.TrendPValue, i.TrendMinChange, Assert.Single(i.TrendQueries).Kind));
        Assert.Equal((0.75, 0.6, true), (i.Utilization, i.MinCorrelation, i.BottleneckIncludeSelf));
        Assert.False(Parse("analysis: { enabled: true }").Analysis!.Insights.BottleneckIncludeSelf);
        Assert.Equal((TimeSpan.FromHours(12), TimeSpan.FromDays(14), "queue"), (i.CapacityWindow, i.CapacityHorizon, Assert.Single(i.CapacityResources).Name));
        Assert.Equal((3, 0.9), (i.AnomalyMinSeries, i.AnomalyMinScoreAlone));
        Assert.Equal("vigil", Parse("analysis: { detector: vigil }").Analysis!.Detector);
    }

    [Fact]
    public void Parse_Mistakes_EveryOneReportedWithItsPosition()
    {
        var errors = Errors("""
            analysis:
              enabled: maybe
              evaluation_interval: 0s
              detector: { name: vigil, parameters: { windw: 10 } }
              threshold: 2
              selectors: ['{job=~".*"}', 'rate(x[5m])']
              colour: blue
              insights:
                trend: { p_value: 0.9, queries: [{ name: q, kind: speed, query: 'up' }] }
                capacity: { resources: [{ name: r, usage: 'sum(', limit: '1' }] }
                anomaly: { min_series: 0, max: 1 }
            """);
        Assert.Equal(
        [
            "vigil.yaml:2:12: invalid \"enabled\" in analysis: expected true or false, got \"maybe\"",
            "vigil.yaml:3:24: invalid \"evaluation_interval\" in analysis: must be greater than 0s",
            "vigil.yaml:4:13: invalid \"detector\" in analysis: detector vigil: unknown parameter windw (known: block, half_score_novelty, min_points, run_min, suppress, suppress_ratio, window).",
            "vigil.yaml:5:14: invalid \"threshold\" in analysis: must be between 0.001 and 1, got 2",
            "vigil.yaml:6:15: invalid selector \"{job=~\".*\"}\" in analysis.selectors[0]: it must contain at least one matcher that does not match the empty string",
            "vigil.yaml:6:30: invalid selector \"rate(x[5m])\" in analysis.selectors[1]: 1:5: parse error: unexpected \"(\"",
            "vigil.yaml:7:3: unknown key \"colour\" in analysis",
            "vigil.yaml:9:23: invalid \"p_value\" in analysis.insights.trend: must be between 0.0001 and 0.5, got 0.9",
            "vigil.yaml:9:38: analysis.insights.trend.queries[0] needs a name, a kind (latency, errors or saturation) and a query",
            "vigil.yaml:9:55: invalid \"kind\" in analysis.insights.trend.queries[0]: expected latency, errors or saturation, got \"speed\"",
            "vigil.yaml:10:29: analysis.insights.capacity.resources[0] needs a name, a usage query and a limit query",
            "vigil.yaml:10:47: invalid \"usage\" in analysis.insights.capacity.resources[0]: 1:5: parse error: unclosed left parenthesis",
            "vigil.yaml:11:28: invalid \"min_series\" in analysis.insights.anomaly: must be a positive integer",
            "vigil.yaml:11:31: unknown key \"max\" in analysis.insights.anomaly",
        ], errors);
    }

    [Fact]
    public void Parse_UnknownDetector_NamesTheKnownOnes()
    {
        var e = Assert.Single(Errors("analysis: { detector: prophet }"));
        Assert.Equal($"vigil.yaml:1:23: invalid \"detector\" in analysis: unknown detector \"prophet\" (known: {string.Join(", ", Vigil.Analysis.Anomaly.DetectorFactory.Names)}).", e);
    }
}
