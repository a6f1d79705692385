using Vigil.Core.Config;
using Vigil.Rules;
using Vigil.Rules.Seed;
using Vigil.Server.Config;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Config;

/// <summary>The seed's blocks and the <c>alerting:</c> section of <c>vigil.yaml</c>, read strictly.</summary>
public sealed class SeedAndAlertingConfigTests
{
    /// <summary>Seed 002, section 4.3, exactly as the seed writes it.</summary>
    internal const string SeedYaml = SeedConfigText.Yaml;

    private static string Errors(string yaml)
        => Assert.Throws<ConfigException>(() => VigilConfig.Parse(yaml, "vigil.yaml")).Message.ReplaceLineEndings("\n");

    [Fact]
    public void Parse_SeedExampleVerbatim_BindsEveryBlock()
    {
        var c = VigilConfig.Parse(SeedYaml, "vigil.yaml");

        var pc = c.PerformanceCollection!;
        Assert.Equal(TimeSpan.FromSeconds(30), pc.CollectionInterval);
        Assert.Equal(TimeSpan.FromSeconds(86400), pc.RetentionPeriod);
        Assert.Equal(["cpu_usage", "memory_usage", "response_time"], pc.AlertThresholds.Keys.Order(StringComparer.Ordinal));
        var memory = pc.AlertThresholds["memory_usage"];
        Assert.Equal((75.0, 90.0, ThresholdOperator.GreaterThan, 0.1), (memory.WarningThreshold, memory.CriticalThreshold, memory.Operator, memory.Hysteresis));

        // The seed's interval and retention apply where Vigil's own keys are not set.
        Assert.Equal(TimeSpan.FromSeconds(30), c.Collectors.Interval);
        Assert.Equal(TimeSpan.FromDays(1), c.Storage.RetentionTime);

        var pa = c.PerformanceAnalysis!;
        Assert.Equal((TimeSpan.FromMinutes(5), TimeSpan.FromDays(7), 0.8), (pa.AnalysisInterval, pa.RetentionPeriod, pa.ConfidenceThreshold));
        // ... and, with no analysis: section, it sets the insight engines' interval, retention and confidence.
        var insights = c.Analysis!.Insights;
        Assert.Equal((TimeSpan.FromMinutes(5), TimeSpan.FromDays(7), 0.8), (insights.Interval, insights.Retention, insights.MinConfidence));
        var both = VigilConfig.Parse(SeedYaml + "\nanalysis:\n  insights:\n    interval: 2m\n");
        Assert.Equal((TimeSpan.FromMinutes(2), 0.5), (both.Analysis!.Insights.Interval, both.Analysis.Insights.MinConfidence));

        var o = c.Optimization!;
        Assert.Equal((3, TimeSpan.FromMinutes(5), 0.1), (o.MaxConcurrentOptimizations, o.OptimizationTimeout, o.ImpactThreshold));

        Assert.Equal(["avg_response_time", "peak_cpu_usage"], c.AggregationRules.Select(a => a.OutputMetric));
        Assert.Equal([300L, 60L], c.AggregationRules.Select(a => a.TimeWindow));

        var rules = c.SeedRuleGroups.SelectMany(g => g.Rules).ToList();
        Assert.Equal(6, rules.Count(r => r.Alert is not null));
        Assert.Equal(["avg_over_time(response_time[300s])", "max_over_time(cpu_usage[60s])"], rules.Where(r => r.Record is not null).Select(r => r.Expr));
        Assert.All(c.SeedRuleGroups, g => Assert.Equal("vigil.yaml", g.File));
        var options = c.RuleOptions();
        Assert.Same(c.SeedRuleGroups, options.ExtraGroups);
    }

    [Fact]
    public void Parse_VigilKeysWinOverTheSeedsIntervalAndRetention()
    {
        var c = VigilConfig.Parse("""
            collectors: { interval: 7s }
            storage: { retention_time: 3d }
            performance_collection: { collection_interval: 30, retention_period: 86400 }
            """);
        Assert.Equal(TimeSpan.FromSeconds(7), c.Collectors.Interval);
        Assert.Equal(TimeSpan.FromDays(3), c.Storage.RetentionTime);
    }

    [Fact]
    public void Parse_SeedOptionsAndDurations_Accepted()
    {
        var c = VigilConfig.Parse("""
            performance_collection:
              collection_interval: 15s
              alert_thresholds:
                'disk_free_ratio{mountpoint="/"}': { warning_threshold: 0.2, critical_threshold: 0.1, operator: LessThan, hysteresis: 0.25, for: 2m }
            aggregation_rules:
              - { metric_pattern: 'http_.*_seconds', aggregation_type: 'Percentile(99.5)', time_window: 5m, output_metric: p995_http }
            """);
        var t = c.PerformanceCollection!.AlertThresholds["disk_free_ratio{mountpoint=\"/\"}"];
        Assert.Equal((ThresholdOperator.LessThan, 0.25, TimeSpan.FromMinutes(2)), (t.Operator, t.Hysteresis, t.For));
        var low = c.SeedRuleGroups.Single(g => g.Name == SeedRuleCompiler.ThresholdGroupName).Rules.First(r => r.Labels["severity"] == "warning");
        Assert.Equal("disk_free_ratio_low", low.Alert);
        Assert.Equal(TimeSpan.FromMinutes(2), low.For);
        var record = c.SeedRuleGroups.Single(g => g.Name == SeedRuleCompiler.AggregationGroupName).Rules.Single();
        Assert.Equal("quantile_over_time(0.995, {__name__=~\"http_.*_seconds\"}[300s])", record.Expr);
    }

    [Theory]
    [InlineData("performance_collection:\n  alert_thresholds:\n    cpu: { warning_threshold: 1, critical_threshold: 2, operator: Greater }\n",
        "vigil.yaml:3:67: invalid \"operator\" in performance_collection.alert_thresholds.cpu: expected GreaterThan, LessThan, Equal or NotEqual, got \"Greater\"")]
    [InlineData("performance_collection:\n  alert_thresholds:\n    cpu: { warning_threshold: 90, critical_threshold: 80 }\n",
        "vigil.yaml:3:5: performance_collection.alert_thresholds.cpu: with GreaterThan the warning_threshold (90) must not be above the critical_threshold (80)")]
    [InlineData("performance_collection:\n  alert_thresholds:\n    cpu: { warning_threshold: 1 }\n",
        "vigil.yaml:3:5: performance_collection.alert_thresholds.cpu needs both warning_threshold and critical_threshold")]
    [InlineData("performance_collection:\n  alert_thresholds:\n    cpu: { warning_threshold: high, critical_threshold: 2 }\n",
        "vigil.yaml:3:31: invalid \"warning_threshold\" in performance_collection.alert_thresholds.cpu: expected a number, got \"high\"")]
    [InlineData("performance_collection:\n  alert_thresholds:\n    cpu: { warning_treshold: 1, critical_threshold: 2 }\n",
        "vigil.yaml:3:5: performance_collection.alert_thresholds.cpu needs both warning_threshold and critical_threshold\nvigil.yaml:3:12: unknown key \"warning_treshold\" in performance_collection.alert_thresholds.cpu")]
    [InlineData("performance_collection:\n  collection_interval: often\n",
        "vigil.yaml:2:24: invalid \"collection_interval\" in performance_collection: not a valid duration string: \"often\" (use e.g. 5s, 1m30s, 2h, 1d)")]
    [InlineData("aggregation_rules:\n  - { metric_pattern: x, aggregation_type: Median, time_window: 60, output_metric: y }\n",
        "vigil.yaml:2:44: invalid \"aggregation_type\" in aggregation_rules[0]: aggregation_type \"Median\" is not one of Sum, Average, Min, Max, Count, Percentile(p)")]
    [InlineData("aggregation_rules:\n  - { metric_pattern: x, aggregation_type: Sum, time_window: 60 }\n",
        "vigil.yaml:2:5: aggregation_rules[0] needs output_metric")]
    [InlineData("aggregation_rules:\n  - { metric_pattern: x, aggregation_type: Sum, time_window: 60, output_metric: bad-name }\n",
        "vigil.yaml:2:81: invalid \"output_metric\" in aggregation_rules[0]: \"bad-name\" is not a valid metric name")]
    [InlineData("performance_analysis:\n  confidence_threshold: 2\n",
        "vigil.yaml:2:25: invalid \"confidence_threshold\" in performance_analysis: must be between 0 and 1, got 2")]
    public void Parse_BadSeedValue_NamesFileLineColumnAndKey(string yaml, string expected)
        => Assert.Equal(expected, Errors(yaml));

    [Fact]
    public void Parse_Alerting_BindsAlertmanagersAndWebhooks()
    {
        var c = VigilConfig.Parse("""
            alerting:
              queue_capacity: 500
              alertmanagers:
                - static_configs: [{ targets: ['127.0.0.1:9093', 'am2:9093'] }]
                  path_prefix: /am
                  timeout: 3s
                  api_version: v2
              webhooks:
                - name: ops
                  url: http://hooks.example.com/vigil
                  severities: [critical]
                  group_by: [alertname, instance]
                  group_wait: 5s
                  group_interval: 1m
                  repeat_interval: 2h
                  send_resolved: false
                  max_attempts: 3
                  initial_backoff: 2s
                  max_backoff: 10s
                  queue_capacity: 20
                  timeout: 4s
                - name: all
                  url: https://hooks.example.com/all
            """);
        var a = c.Alerting!;
        Assert.Equal(500, a.QueueCapacity);
        Assert.Equal(["http://127.0.0.1:9093/am/", "http://am2:9093/am/"], a.Alertmanagers.Select(m => m.Url.ToString()));
        Assert.All(a.Alertmanagers, m => Assert.Equal(TimeSpan.FromSeconds(3), m.Timeout));
        var ops = a.Webhooks[0];
        Assert.Equal(("ops", "http://hooks.example.com/vigil"), (ops.Name, ops.Url.ToString()));
        Assert.Equal(["critical"], ops.Severities);
        Assert.Equal(["alertname", "instance"], ops.GroupBy);
        Assert.Equal((TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), TimeSpan.FromHours(2)), (ops.GroupWait, ops.GroupInterval, ops.RepeatInterval));
        Assert.Equal((false, 3, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), 20, TimeSpan.FromSeconds(4)),
            (ops.SendResolved, ops.MaxAttempts, ops.InitialBackoff, ops.MaxBackoff, ops.QueueCapacity, ops.Timeout));
        var all = a.Webhooks[1];
        Assert.Empty(all.Severities);
        Assert.Equal(["alertname"], all.GroupBy);
    }

    [Theory]
    [InlineData("alerting:\n  webhooks:\n    - { name: x }\n", "vigil.yaml:3:7: a webhook needs a url in alerting.webhooks[0]")]
    [InlineData("alerting:\n  webhooks:\n    - { name: x, url: 'ftp://h/' }\n", "vigil.yaml:3:23: invalid \"url\" in alerting.webhooks[0]: expected an http or https URL, got \"ftp://h/\"")]
    [InlineData("alerting:\n  webhooks:\n    - { name: x, url: 'http://h/', severity: [critical] }\n", "vigil.yaml:3:36: unknown key \"severity\" in alerting.webhooks[0]")]
    [InlineData("alerting:\n  webhooks:\n    - { name: x, url: 'http://h/' }\n    - { name: x, url: 'http://g/' }\n", "vigil.yaml:4:7: found multiple webhooks named \"x\" in alerting.webhooks[1]")]
    [InlineData("alerting:\n  alertmanagers:\n    - { api_version: v1, static_configs: [{ targets: ['h:9093'] }] }\n", "vigil.yaml:3:22: invalid \"api_version\" in alerting.alertmanagers[0]: only Alertmanager's API v2 is supported, got \"v1\"")]
    [InlineData("alerting:\n  alertmanagers:\n    - { static_configs: [{ targets: ['http://h:9093'] }] }\n", "vigil.yaml:3:38: \"http://h:9093\" is not a valid hostname (a target is host:port; set scheme and metrics_path separately) in alerting.alertmanagers[0].static_configs[0].targets[0]")]
    [InlineData("alerting:\n  alertmanagers:\n    - { scheme: http }\n", "vigil.yaml:3:7: an Alertmanager needs static_configs with targets in alerting.alertmanagers[0]")]
    [InlineData("alerting:\n  alertmanagers:\n    - { basic_auth: { username: u }, static_configs: [{ targets: ['h:9093'] }] }\n", "vigil.yaml:3:9: key \"basic_auth\" in alerting.alertmanagers[0] is a Prometheus setting that Vigil does not support")]
    public void Parse_BadAlerting_NamesFileLineColumnAndKey(string yaml, string expected)
        => Assert.Equal(expected, Errors(yaml));
}
