using Vigil.Core.Config;
using Vigil.Optimizer.Model;
using Vigil.Server.Config;

namespace Vigil.Server.Tests.Optimizer;

/// <summary>The <c>optimization.objectives</c> section: bound onto the lever decider's options, mistakes at file:line:col.</summary>
public sealed class ObjectiveConfigTests : IDisposable
{
    private const string Executors = """
        optimization:
          mode: auto
          executors:
            - { name: app, type: tunable, url: 'http://127.0.0.1:5080' }
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-objcfg-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private VigilConfig Parse(string yaml) => VigilConfig.Parse(yaml, "vigil.yaml", _dir);

    private List<string> Errors(string yaml)
        => Assert.Throws<ConfigException>(() => Parse(yaml)).Errors.Select(e => e.ToString()).ToList();

    [Fact]
    public void Parse_FullObjective_EveryValueBound()
    {
        var o = Parse(Executors + """

              objectives:
                - name: checkout-p99
                  target: { name: p99, query: 'histogram_quantile(0.99, sum by (le) (rate(http_server_duration_seconds_bucket[1m])))', better: lower }
                  threshold: 0.025
                  impact_threshold: 0.05
                  patience_trials: 2
                  seed: 7
                  constraints:
                    - { name: errors, query: 'sum(rate(errors_total[1m])) / sum(rate(requests_total[1m]))', better: lower, limit: 0.01 }
                    - { name: throughput, query: 'sum(rate(requests_total[1m]))', better: higher, limit: 100 }
                  levers:
                    - { name: pool_size, executor: app, target: checkout/pool_size, min: 1, max: 64, step: 1, cost_per_unit: 1 }
                    - { name: cache_mb, executor: app, target: checkout/cache_mb, min: 16, max: 1024, step: 16, logarithmic: true, mode: recommend }
            """).Optimization!;
        var obj = Assert.Single(o.Objectives);
        Assert.Equal("checkout-p99", obj.Name);
        Assert.Equal(("p99", MetricDirection.Lower), (obj.Target.Name, obj.Target.Better));
        Assert.Equal(0.025, obj.Threshold);
        Assert.Equal(0.05, obj.ImpactThreshold);
        Assert.Equal((2, 7), (obj.PatienceTrials, obj.Seed));
        Assert.Equal(["errors", "throughput"], obj.Constraints.Select(c => c.Name));
        Assert.Equal((0.01, MetricDirection.Lower), (obj.Constraints[0].Limit, obj.Constraints[0].Better));
        Assert.Equal((100, MetricDirection.Higher), (obj.Constraints[1].Limit, obj.Constraints[1].Better));
        var pool = obj.Levers[0];
        Assert.Equal(("pool_size", "app", "checkout/pool_size", 1.0, 64.0, 1.0, 1.0, (bool?)null, (OptimizationMode?)null),
            (pool.Name, pool.Executor, pool.Target, pool.Min, pool.Max, pool.Step, pool.CostPerUnit, pool.Logarithmic, pool.Mode));
        var cache = obj.Levers[1];
        Assert.Equal((16.0, 1024.0, 16.0, (bool?)true, (OptimizationMode?)OptimizationMode.Recommend), (cache.Min, cache.Max, cache.Step, cache.Logarithmic, cache.Mode));
    }

    [Fact]
    public void Parse_ObjectiveMistakes_EveryOneReportedWithItsPosition()
    {
        var errors = Errors(Executors + """

              objectives:
                - name: a
                  target: { name: p99, query: 'rate(x[5m' }
                  threshold: low
                  constraints:
                    - { name: errors, query: 'errors' }
                  levers:
                    - { name: pool, executor: nope, target: s/pool, min: 1, max: 8 }
                    - { name: ok, executor: app, target: s/other, min: 1, max: 8 }
                    - { name: inverted, executor: app, target: s/inv, min: 9, max: 2 }
                    - { name: huge, executor: app, target: s/huge, min: 0, max: 1e12, step: 0.5 }
                    - { name: nobounds, executor: app, target: s/nb }
                    - { name: zerostep, executor: app, target: s/z, min: 0, max: 4, step: 0 }
                    - { name: logzero, executor: app, target: s/lz, min: 0, max: 4, logarithmic: true }
                    - { name: off, executor: app, target: s/off, min: 0, max: 4, mode: off }
                    - { name: ok, executor: app, target: s/ok2, min: 1, max: 8 }
                - name: b
                  target: { name: p99, query: 'p99' }
                - name: c
                  target: { name: p99, query: 'p99' }
                  levers: []
                - { name: d, target: { name: p99, query: 'p99' }, levers: [{ name: x, executor: app, target: s/x, min: 1, max: 2 }, { name: y, executor: app, target: s/x, min: 1, max: 2 }] }
                - { name: e, target: { name: p99, query: 'p99' }, levers: [{ name: x, executor: app, target: s/x, min: 1, max: 2 }] }
                - { name: e, target: { name: p99, query: 'p99' }, levers: [{ name: x, executor: app, target: s/x, min: 1, max: 2 }] }
            """);
        Assert.Equal(
        [
            "vigil.yaml:7:15: optimization.objectives[0].target needs a name and a query",
            "vigil.yaml:7:35: invalid \"query\" in optimization.objectives[0].target: 1:10: parse error: unexpected end of input in duration expression",
            "vigil.yaml:8:18: invalid \"threshold\" in optimization.objectives[0]: expected a number, got \"low\"",
            "vigil.yaml:10:11: optimization.objectives[0].constraints[0] needs a name, a query and a limit",
            "vigil.yaml:12:35: invalid \"executor\" in optimization.objectives[0].levers[0]: no executor named \"nope\" in optimization.executors",
            "vigil.yaml:14:11: optimization.objectives[0].levers[2]: min 9 is greater than max 2",
            "vigil.yaml:15:11: optimization.objectives[0].levers[3]: [0, 1000000000000] in steps of 0.5 has more than 1000000 values; use a larger step",
            "vigil.yaml:16:11: optimization.objectives[0].levers[4] needs min, max",
            "vigil.yaml:17:79: invalid \"step\" in optimization.objectives[0].levers[5]: must be between 1E-09 and 1000000000000000, got 0",
            "vigil.yaml:18:11: optimization.objectives[0].levers[6]: a logarithmic lever needs min greater than 0",
            "vigil.yaml:19:76: invalid \"mode\" in optimization.objectives[0].levers[7]: expected recommend, approve or auto, got \"off\"",
            "vigil.yaml:20:11: two levers are named \"ok\" in optimization.objectives[0].levers",
            "vigil.yaml:21:7: optimization.objectives[1] needs levers",
            "vigil.yaml:23:7: optimization.objectives[2] needs at least one lever",
            "vigil.yaml:26:63: invalid \"levers\" in optimization.objectives[3]: levers x and y both turn the target \"s/x\"",
            "vigil.yaml:28:7: two objectives are named \"e\" in optimization.objectives",
        ], errors);
    }
}
