using Vigil.Analysis.Insights;
using Vigil.Core.Config;
using Vigil.Core.Labels;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;
using Vigil.Server.Config;

namespace Vigil.Server.Tests.Optimizer;

public sealed class OptimizationConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-optcfg-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private VigilConfig Parse(string yaml) => VigilConfig.Parse(yaml, "vigil.yaml", _dir);

    private List<string> Errors(string yaml)
        => Assert.Throws<ConfigException>(() => Parse(yaml)).Errors.Select(e => e.ToString()).ToList();

    [Fact]
    public void Parse_SeedSection_SecondsTimeoutAndThreshold()
    {
        var o = Parse("""
            optimization:
              max_concurrent_optimizations: 3
              optimization_timeout: 300  # 5分钟
              impact_threshold: 0.1
            """).Optimization!;
        Assert.Equal(3, o.MaxConcurrentOptimizations);
        Assert.Equal(TimeSpan.FromMinutes(5), o.OptimizationTimeout);
        Assert.Equal(0.1, o.ImpactThreshold);
        Assert.Equal(OptimizationMode.Recommend, o.Mode);
        Assert.Empty(o.Policies);
    }

    [Fact]
    public void Parse_NoSection_NoOptimizer()
        => Assert.Null(Parse("global: { scrape_interval: 15s }").Optimization);

    [Fact]
    public void Parse_FullSection_EveryValueBound()
    {
        File.WriteAllText(Path.Combine(_dir, "api.token"), "api-secret\n");
        File.WriteAllText(Path.Combine(_dir, "app.token"), "app-secret");
        var o = Parse("""
            optimization:
              mode: auto
              interval: 5s
              max_concurrent_optimizations: 2
              optimization_timeout: 45s
              impact_threshold: 0.05
              cooldown: 30s
              rollback_backoff: 10m
              max_actions_per_hour: 12
              pending_ttl: 20m
              history_limit: 500
              api_token_file: api.token
              evaluation:
                baseline: 2m
                settle: 20s
                observation: 3m
                step: 5s
                lookback: 20s
                confidence: 0.99
                min_effect_size: 0.4
                min_samples: 8
                guardrails:
                  - { name: cpu, query: 'sum(rate(process_cpu_seconds_total[1m]))', tolerance: 0.1 }
              executors:
                - name: app
                  type: tunable
                  url: http://127.0.0.1:5080
                  token_file: app.token
                  tunable: pool_size
                  timeout: 10s
                - name: scaler
                  type: webhook
                  request: { url: 'https://ops/scale/{{ .Target }}', body: '{"by": {{ .Parameters.by }}}', headers: { X-Team: perf } }
                  capture: { url: 'https://ops/size', method: get }
                  rollback: { url: 'https://ops/size', method: PUT, body: '{"size": {{ .Previous }}}' }
                - name: resize
                  type: command
                  command: [/usr/local/bin/resize, '{{ .Parameters.size }}']
                  rollback_command: [/usr/local/bin/resize, '{{ .Previous }}']
                  env: { MODE: fast }
                  working_dir: work
                - name: vigil
                  type: config
                  setting: collectors.interval
              policies:
                - name: grow-pool
                  match:
                    alert: HighLatency
                    severity: [Warning, critical]
                    matchers: ['service="checkout"', 'instance=~"10\\..*"']
                  action:
                    type: ScaleUp
                    executor: app
                    target: '{{ .Labels.service }}/pool_size'
                    parameters: { factor: "1.5" }
                    priority: 10
                    estimated_impact: 0.2
                    timeout: 20s
                    description: grow the pool of {{ .Labels.service }}
                  evaluation:
                    target: { name: p99, query: 'histogram_quantile(0.99, sum by (le) (rate(x_bucket[30s])))', better: lower }
                    guardrails: [ { name: throughput, query: 'sum(rate(x_count[30s]))', better: higher, tolerance: 0.05 } ]
                    observation: 1m
                    impact_threshold: 0.15
                  cooldown: 2m
                  mode: approve
                - name: on-bottleneck
                  match: { insight: BottleneckDetected, severity: high }
                  action: { type: ConfigurationUpdate, executor: vigil, parameters: { factor: "2" } }
                  evaluation: { target: { name: cpu, query: 'sum(rate(process_cpu_seconds_total[1m]))' } }
            """).Optimization!;

        Assert.Equal((OptimizationMode.Auto, TimeSpan.FromSeconds(5), 2, TimeSpan.FromSeconds(45), 0.05),
            (o.Mode, o.Interval, o.MaxConcurrentOptimizations, o.OptimizationTimeout, o.ImpactThreshold));
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(10), 12, TimeSpan.FromMinutes(20), 500, "api-secret"),
            (o.Cooldown, o.RollbackBackoff, o.MaxActionsPerHour, o.PendingTtl, o.HistoryLimit, o.ApiToken));
        var ev = o.Evaluation;
        Assert.Equal((TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(20), TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(5), 0.99, 0.4, 8),
            (ev.Baseline, ev.Settle, ev.Observation, ev.Step, ev.Confidence, ev.MinEffectSize, ev.MinSamples));
        Assert.Equal(TimeSpan.FromSeconds(20), ev.Lookback);
        Assert.Equal(("cpu", 0.1, MetricDirection.Lower), (ev.Guardrails[0].Name, ev.Guardrails[0].Tolerance, ev.Guardrails[0].Better));

        Assert.Equal(["app", "scaler", "resize", "vigil"], o.Executors.Select(e => e.Name));
        var app = o.Executors[0];
        Assert.Equal((OptimizationExecutorKind.Tunable, "http://127.0.0.1:5080", "app-secret", "pool_size", (TimeSpan?)TimeSpan.FromSeconds(10)),
            (app.Type, app.Url, app.Token, app.Tunable, app.Timeout));
        var scaler = o.Executors[1];
        Assert.Equal(("POST", "perf", "GET", "PUT"), (scaler.Request!.Method, scaler.Request.Headers["X-Team"], scaler.Capture!.Method, scaler.Rollback!.Method));
        var resize = o.Executors[2];
        Assert.Equal(["/usr/local/bin/resize", "{{ .Parameters.size }}"], resize.Command);
        Assert.Equal(Path.Combine(_dir, "work"), resize.WorkingDirectory);
        Assert.Equal("fast", resize.Environment["MODE"]);
        Assert.Equal("collectors.interval", o.Executors[3].Setting);

        var p = o.Policies[0];
        Assert.Equal(("alert", "HighLatency"), (p.Match.Source, p.Match.Type));
        Assert.Equal(["warning", "critical"], p.Match.Severities);
        Assert.Equal(2, p.Match.Matchers.Count);
        Assert.True(p.Match.Matchers[1].Matches("10.0.0.7"));
        Assert.Equal(MatchOp.Regexp, p.Match.Matchers[1].Type);
        Assert.Equal((OptimizationActionType.ScaleUp, "app", 10, 0.2, (TimeSpan?)TimeSpan.FromSeconds(20)),
            (p.Action.Type, p.Action.Executor, p.Action.Priority, p.Action.EstimatedImpact, p.Action.Timeout));
        Assert.Equal("1.5", p.Action.Parameters["factor"]);
        Assert.Equal(("p99", MetricDirection.Lower), (p.Target.Name, p.Target.Better));
        Assert.Equal(("throughput", MetricDirection.Higher), (p.Guardrails[0].Name, p.Guardrails[0].Better));
        Assert.Equal(((TimeSpan?)TimeSpan.FromMinutes(1), (double?)0.15, (TimeSpan?)TimeSpan.FromMinutes(2), (OptimizationMode?)OptimizationMode.Approve),
            (p.Observation, p.ImpactThreshold, p.Cooldown, p.Mode));
        Assert.Equal(("insight", "BottleneckDetected", "high"), (o.Policies[1].Match.Source, o.Policies[1].Match.Type, o.Policies[1].Match.Severities[0]));
    }

    [Fact]
    public void Parse_Mistakes_EveryOneReportedWithItsPosition()
    {
        var errors = Errors("""
            optimization:
              mode: sometimes
              impact_threshold: lots
              max_concurrent_optimizations: 0
              api_token_file: missing.token
              colour: blue
              executors:
                - name: app
                  type: tunable
                  url: http://127.0.0.1:5080
                  command: [/bin/true]
                - name: run
                  type: command
                  command: [resize, 1]
                  rollback_command: [/bin/true]
                - name: hook
                  type: webhook
                  request: { url: 'http://x/{{ .Target ' }
                - name: app
                  type: config
                  setting: storage.retention
                - { name: x, type: ssh }
              policies:
                - name: p1
                  match: { alert: A, matchers: ['service=="x"'] }
                  action: { type: Grow, executor: nope }
                  evaluation: { target: { name: t, query: 'rate(x[5m' } }
                - name: p2
                  match: { severity: critical }
                  action: { type: ScaleUp, executor: app }
            """);
        Assert.Equal(
        [
            "vigil.yaml:2:9: invalid \"mode\" in optimization: expected off, recommend, approve or auto, got \"sometimes\"",
            "vigil.yaml:3:21: invalid \"impact_threshold\" in optimization: expected a number, got \"lots\"",
            "vigil.yaml:4:33: invalid \"max_concurrent_optimizations\" in optimization: must be a positive integer",
            $"vigil.yaml:5:19: invalid \"api_token_file\" in optimization: file \"{Path.Combine(_dir, "missing.token")}\" does not exist",
            "vigil.yaml:6:3: unknown key \"colour\" in optimization",
            "vigil.yaml:11:7: key \"command\" in optimization.executors[0] is not used by a tunable executor",
            "vigil.yaml:14:16: invalid \"command\" in optimization.executors[1]: the program \"resize\" must be an absolute path",
        ], errors.Take(7));
        Assert.Contains(errors, e => e.StartsWith("vigil.yaml:18:23: invalid \"url\" in optimization.executors[2].request: template: hook.request.url:", StringComparison.Ordinal));
        Assert.Contains("vigil.yaml:16:7: executor hook in optimization.executors[2]: a webhook executor needs a request and a rollback request", errors);
        Assert.Contains("vigil.yaml:21:16: invalid \"setting\" in optimization.executors[3]: unknown live setting \"storage.retention\" (known: collectors.interval, rules.evaluation_interval)", errors);
        Assert.Contains("vigil.yaml:22:24: invalid \"type\" in optimization.executors[4]: expected webhook, command, tunable or config, got \"ssh\"", errors);
        Assert.Contains(errors, e => e.StartsWith("vigil.yaml:25:37: invalid matcher \"service==\"x\"\" in optimization.policies[0].match.matchers[0]:", StringComparison.Ordinal));
        Assert.Contains("vigil.yaml:26:23: invalid \"type\" in optimization.policies[0].action: expected one of ScaleUp, ScaleOut, CacheOptimization, DatabaseOptimization, NetworkOptimization, CodeOptimization, ConfigurationUpdate, got \"Grow\"", errors);
        Assert.Contains("vigil.yaml:26:39: invalid \"executor\" in optimization.policies[0].action: no executor named \"nope\" in optimization.executors", errors);
        Assert.Contains(errors, e => e.StartsWith("vigil.yaml:27:47: invalid \"query\" in optimization.policies[0].evaluation.target:", StringComparison.Ordinal));
        Assert.Contains("vigil.yaml:24:7: optimization.policies[0] needs action, evaluation.target", errors);
        Assert.Contains("vigil.yaml:29:14: optimization.policies[1].match needs alert: NAME or insight: TYPE", errors);
        Assert.Contains("vigil.yaml:28:7: optimization.policies[1] needs match, evaluation with a target metric", errors);
    }
}
