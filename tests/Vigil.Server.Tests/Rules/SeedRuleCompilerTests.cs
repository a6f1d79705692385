using System.Diagnostics;
using Vigil.Rules;
using Vigil.Rules.Seed;
using Vigil.Rules.Testing;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Rules;

public sealed class SeedRuleCompilerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-seed-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // The values of the seed's §4.3 example.
    private static PerformanceCollectionConfig SeedCollection() => new()
    {
        CollectionInterval = TimeSpan.FromSeconds(30),
        RetentionPeriod = TimeSpan.FromDays(1),
        AlertThresholds = new Dictionary<string, AlertThreshold>
        {
            ["cpu_usage"] = new() { WarningThreshold = 70, CriticalThreshold = 85, Operator = ThresholdOperator.GreaterThan },
            ["memory_usage"] = new() { WarningThreshold = 75, CriticalThreshold = 90, Operator = ThresholdOperator.GreaterThan },
            ["response_time"] = new() { WarningThreshold = 500, CriticalThreshold = 1000, Operator = ThresholdOperator.GreaterThan },
        },
    };

    private static List<AggregationRule> SeedAggregations() =>
    [
        new() { MetricPattern = "response_time", AggregationType = AggregationType.Parse("Average"), TimeWindow = 300, OutputMetric = "avg_response_time" },
        new() { MetricPattern = "cpu_usage", AggregationType = AggregationType.Parse("Max"), TimeWindow = 60, OutputMetric = "peak_cpu_usage" },
        new() { MetricPattern = "response_time", AggregationType = AggregationType.Parse("Percentile(95)"), TimeWindow = 300, OutputMetric = "p95_response_time" },
    ];

    [Fact]
    public void Compile_SeedBlocks_AlertPairsAndRecordingRules()
    {
        var result = SeedRuleCompiler.Compile(SeedCollection(), SeedAggregations(), "vigil.yaml");
        Assert.Empty(result.Errors);
        var thresholds = result.Groups.Single(g => g.Name == SeedRuleCompiler.ThresholdGroupName);
        Assert.Equal(6, thresholds.Rules.Count);
        var cpuCritical = thresholds.Rules.Single(r => r.Alert == "cpu_usage_high" && r.Labels["severity"] == "critical");
        Assert.Equal("cpu_usage > 85 or (cpu_usage > 76.5 and ignoring(alertname, alertstate, severity) ALERTS{alertname=\"cpu_usage_high\", severity=\"critical\", alertstate=\"firing\"})", cpuCritical.Expr);
        var agg = result.Groups.Single(g => g.Name == SeedRuleCompiler.AggregationGroupName);
        Assert.Equal(["avg_over_time(response_time[300s])", "max_over_time(cpu_usage[60s])", "quantile_over_time(0.95, response_time[300s])"], agg.Rules.Select(r => r.Expr));
        Assert.Equal(["avg_response_time", "peak_cpu_usage", "p95_response_time"], agg.Rules.Select(r => r.Record!));
    }

    [Fact]
    public void Compile_BadPatternAndName_ErrorsNamingTheEntry()
    {
        var result = SeedRuleCompiler.Compile(null,
        [
            new() { MetricPattern = "x{job=", AggregationType = AggregationType.Parse("Sum"), TimeWindow = 60, OutputMetric = "ok" },
            new() { MetricPattern = "x", AggregationType = AggregationType.Parse("Sum"), TimeWindow = 60, OutputMetric = "bad-name" },
        ], "vigil.yaml");
        Assert.Contains(result.Errors, e => e.ToString().StartsWith("vigil.yaml: aggregation_rules[0].metric_pattern:", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.ToString() == "vigil.yaml: aggregation_rules[1].output_metric: not a valid metric name: bad-name");
        Assert.Throws<FormatException>(() => AggregationType.Parse("Median"));
    }

    [Fact]
    public async Task Print_SeedRules_PromtoolAcceptsAndBothAgreeOnHysteresis()
    {
        var result = SeedRuleCompiler.Compile(SeedCollection(), SeedAggregations(), "vigil.yaml");
        string rulesPath = Path.Combine(_dir, "seed_rules.yml");
        await File.WriteAllTextAsync(rulesPath, RuleFilePrinter.Print(result.Groups));
        var reparsed = RuleFileParser.ParseFile(rulesPath);
        Assert.Empty(reparsed.Errors);
        Assert.Equal(9, reparsed.Groups.Sum(g => g.Rules.Count));

        // cpu_usage: 90 fires critical; 80 stays firing (above 76.5); 76 clears. Warning (70, margin 7) fires at 80 and stays at 76.
        string test = """
            rule_files: [seed_rules.yml]
            evaluation_interval: 1m
            tests:
              - interval: 1m
                input_series:
                  - series: 'cpu_usage{instance="h"}'
                    values: '50 90 80 76 62 62'
                  - series: 'response_time{instance="h"}'
                    values: '100 200 300 400 500 600'
                alert_rule_test:
                  - eval_time: 2m
                    alertname: cpu_usage_high
                    exp_alerts:
                      - exp_labels: {severity: critical, instance: h}
                        exp_annotations: {summary: "cpu_usage is 80 (critical: above 85)", threshold: "85"}
                      - exp_labels: {severity: warning, instance: h}
                        exp_annotations: {summary: "cpu_usage is 80 (warning: above 70)", threshold: "70"}
                  - eval_time: 3m
                    alertname: cpu_usage_high
                    exp_alerts:
                      - exp_labels: {severity: warning, instance: h}
                        exp_annotations: {summary: "cpu_usage is 76 (warning: above 70)", threshold: "70"}
                  - eval_time: 4m
                    alertname: cpu_usage_high
                    exp_alerts: []
                promql_expr_test:
                  - expr: peak_cpu_usage
                    eval_time: 1m
                    exp_samples:
                      - labels: 'peak_cpu_usage{instance="h"}'
                        value: 90
                  - expr: avg_response_time
                    eval_time: 2m
                    exp_samples:
                      - labels: 'avg_response_time{instance="h"}'
                        value: 200
            """;
        string testPath = Path.Combine(_dir, "seed_test.yml");
        await File.WriteAllTextAsync(testPath, test);

        string promtool = Processes.FindExecutable("promtool") ?? throw new InvalidOperationException("promtool not found: install Debian's 'prometheus' package");
        foreach (var args in new[] { new[] { "check", "rules", rulesPath }, ["test", "rules", testPath] })
        {
            var psi = new ProcessStartInfo(promtool, args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir };
            using var p = Process.Start(psi)!;
            string output = await p.StandardOutput.ReadToEndAsync() + await p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 0, $"promtool {string.Join(' ', args)} exited {p.ExitCode}:\n{output}");
        }
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = new RuleUnitTester(() => new MemoryStorage()).Run([testPath], stdout, stderr);
        Assert.True(code == 0, stdout + "\n" + stderr);
    }
}
