using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Optimizer.Evaluator;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;
using Vigil.PromQL.Engine;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Optimizer;

/// <summary>The evaluator on synthetic series: windows queried with PromQL, Mann–Whitney U at 98 %, effect size, Kayenta classes.</summary>
public sealed class ImpactEvaluatorTests
{
    private static readonly DateTimeOffset T0 = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly MemoryStorage _storage = new();
    private readonly ImpactEvaluator _evaluator;

    public ImpactEvaluatorTests() => _evaluator = new ImpactEvaluator(_storage, new PromQLEngine(), new MannWhitneyJudge());

    /// <summary>Writes one sample per second: <paramref name="before"/> for the first 60 s, <paramref name="after"/> for the next 60 s, with deterministic noise.</summary>
    private void Series(string name, double before, double after, double noise, int seed = 1, bool stopAt60 = false)
    {
        var rng = new Random(seed);
        var app = _storage.Appender();
        var labels = LabelSet.Of("__name__", name, "job", "demo");
        for (int s = 0; s < 120; s++)
        {
            if (stopAt60 && s >= 60)
            {
                break;
            }
            double v = (s < 60 ? before : after) + ((rng.NextDouble() - 0.5) * 2 * noise);
            app.Append(labels, (T0 + TimeSpan.FromSeconds(s)).ToUnixTimeMilliseconds(), v);
        }
        app.Commit();
    }

    private static EvaluationPlan Plan(string target, MetricDirection better = MetricDirection.Lower, double threshold = 0.1, params OptimizationMetricConfig[] guardrails)
        => new()
        {
            Target = new OptimizationMetricConfig { Name = "target", Query = target, Better = better },
            Guardrails = guardrails,
            BaselineStart = T0 + TimeSpan.FromSeconds(10),
            BaselineEnd = T0 + TimeSpan.FromSeconds(55),
            ObservationStart = T0 + TimeSpan.FromSeconds(65),
            ObservationEnd = T0 + TimeSpan.FromSeconds(110),
            Step = TimeSpan.FromSeconds(3),
            Confidence = 0.98,
            MinEffectSize = 0.3,
            MinSamples = 5,
            ImpactThreshold = threshold,
        };

    [Fact]
    public void Evaluate_ClearImprovement_KeptWithImpactAndEvidence()
    {
        Series("latency", before: 0.200, after: 0.100, noise: 0.02);
        var ev = _evaluator.Evaluate(Plan("latency"));

        Assert.True(ev.Keep, ev.Reason);
        Assert.InRange(ev.Impact!.Value, 0.4, 0.6);
        var m = Assert.Single(ev.Metrics);
        Assert.Equal(MetricClassification.Low, m.Classification);
        Assert.Equal(16, m.Baseline.Count);
        Assert.Equal(16, m.Observation.Count);
        Assert.InRange(m.Baseline.Median, 0.18, 0.22);
        Assert.True(m.PValue < 0.001, $"p = {m.PValue}");
        Assert.Equal(-1.0, m.EffectSize);
        Assert.StartsWith("target improved by ", ev.Reason, StringComparison.Ordinal);
        Assert.Equal(3, ev.StepSeconds);
        Assert.Equal(6, ev.LookbackSeconds);
    }

    [Fact]
    public void Evaluate_OnlyNoise_RolledBackAsNotSignificant()
    {
        Series("latency", before: 0.200, after: 0.200, noise: 0.05);
        var ev = _evaluator.Evaluate(Plan("latency"));

        Assert.False(ev.Keep);
        var m = Assert.Single(ev.Metrics);
        Assert.Equal(MetricClassification.Pass, m.Classification);
        Assert.True(m.PValue >= 0.02, $"p = {m.PValue}");
        Assert.StartsWith("target target did not improve significantly: median ", ev.Reason, StringComparison.Ordinal);
        Assert.EndsWith("not significant at 98 %", ev.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_SignificantButBelowTheThreshold_RolledBack()
    {
        Series("latency", before: 0.200, after: 0.190, noise: 0.001);
        var ev = _evaluator.Evaluate(Plan("latency", threshold: 0.1));

        Assert.False(ev.Keep);
        Assert.Equal(MetricClassification.Low, ev.Metrics[0].Classification);
        Assert.InRange(ev.Impact!.Value, 0.04, 0.06);
        Assert.StartsWith("impact 5", ev.Reason, StringComparison.Ordinal);
        Assert.EndsWith("on target is below the threshold 10 %", ev.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_TargetGotWorse_RolledBackWithHighClassification()
    {
        Series("latency", before: 0.100, after: 0.300, noise: 0.01);
        var ev = _evaluator.Evaluate(Plan("latency"));
        Assert.False(ev.Keep);
        Assert.Equal(MetricClassification.High, ev.Metrics[0].Classification);
        Assert.InRange(ev.Impact!.Value, -2.2, -1.8);
    }

    [Fact]
    public void Evaluate_GuardrailRegresses_RolledBackEvenThoughTheTargetImproved()
    {
        Series("latency", before: 0.200, after: 0.100, noise: 0.01);
        Series("errors", before: 0.01, after: 0.05, noise: 0.002, seed: 2);
        var ev = _evaluator.Evaluate(Plan("latency", guardrails: new OptimizationMetricConfig { Name = "errors", Query = "errors" }));

        Assert.False(ev.Keep);
        Assert.Equal(MetricClassification.High, ev.Metrics[1].Classification);
        Assert.Equal(MetricRole.Guardrail, ev.Metrics[1].Role);
        Assert.StartsWith("guardrail errors regressed: median ", ev.Reason, StringComparison.Ordinal);
        Assert.NotNull(ev.Impact);
    }

    [Fact]
    public void Evaluate_GuardrailChangeWithinTolerance_Kept()
    {
        Series("latency", before: 0.200, after: 0.100, noise: 0.01);
        Series("cpu", before: 1.00, after: 1.03, noise: 0.001, seed: 3);
        var ev = _evaluator.Evaluate(Plan("latency", guardrails: new OptimizationMetricConfig { Name = "cpu", Query = "cpu", Tolerance = 0.05 }));

        Assert.True(ev.Keep, ev.Reason);
        Assert.Equal(MetricClassification.Pass, ev.Metrics[1].Classification);
        Assert.EndsWith("within the tolerance of 5 %", ev.Metrics[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_HigherIsBetterGuardrailDrops_IsARegression()
    {
        Series("latency", before: 0.200, after: 0.100, noise: 0.01);
        Series("throughput", before: 100, after: 60, noise: 2, seed: 4);
        var ev = _evaluator.Evaluate(Plan("latency", guardrails: new OptimizationMetricConfig { Name = "throughput", Query = "throughput", Better = MetricDirection.Higher }));
        Assert.False(ev.Keep);
        Assert.Equal(MetricClassification.Low, ev.Metrics[1].Classification);
    }

    [Fact]
    public void Evaluate_HigherIsBetterTarget_ImpactIsPositiveWhenItRises()
    {
        Series("throughput", before: 100, after: 150, noise: 3);
        var ev = _evaluator.Evaluate(Plan("throughput", MetricDirection.Higher));
        Assert.True(ev.Keep, ev.Reason);
        Assert.InRange(ev.Impact!.Value, 0.45, 0.55);
        Assert.Equal(MetricClassification.High, ev.Metrics[0].Classification);
    }

    [Fact]
    public void Evaluate_ObservationWindowWithoutData_RolledBackForMissingData()
    {
        Series("latency", before: 0.200, after: 0.100, noise: 0.01, stopAt60: true);
        var plan = Plan("latency");
        var ev = _evaluator.Evaluate(plan);

        Assert.False(ev.Keep);
        Assert.Equal(MetricClassification.NoData, ev.Metrics[0].Classification);
        Assert.Equal("missing data: target target: 16 baseline and 0 observation values; at least 5 each are needed", ev.Reason);
    }

    [Fact]
    public void Evaluate_UnknownMetric_NoDataForAGuardrail()
    {
        Series("latency", before: 0.200, after: 0.100, noise: 0.01);
        var ev = _evaluator.Evaluate(Plan("latency", guardrails: new OptimizationMetricConfig { Name = "memory", Query = "process_resident_memory_bytes" }));
        Assert.False(ev.Keep);
        Assert.StartsWith("missing data: guardrail memory: 0 baseline and 0 observation values", ev.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_QueryFails_NoDataNamingTheError()
    {
        Series("latency", before: 0.200, after: 0.100, noise: 0.01);
        var ev = _evaluator.Evaluate(Plan("latency", guardrails: new OptimizationMetricConfig { Name = "bad", Query = "rate(latency)" }));
        Assert.False(ev.Keep);
        Assert.StartsWith("the query failed: ", ev.Metrics[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ConstantGuardrail_PassesWithoutATest()
    {
        Series("latency", before: 0.200, after: 0.100, noise: 0.01);
        Series("errors", before: 0, after: 0, noise: 0);
        var ev = _evaluator.Evaluate(Plan("latency", guardrails: new OptimizationMetricConfig { Name = "errors", Query = "errors" }));
        Assert.True(ev.Keep, ev.Reason);
        Assert.Equal(("identical constant values in both windows", 1.0), (ev.Metrics[1].Reason, ev.Metrics[1].PValue!.Value));
    }

    [Theory]
    [InlineData(2, 1, -0.5)]
    [InlineData(0, 0, 0)]
    [InlineData(-4, -2, 0.5)]
    public void RelativeChange_IsRelativeToTheBaselinesMagnitude(double before, double after, double expected)
        => Assert.Equal(expected, ImpactEvaluator.RelativeChange(before, after));

    [Fact]
    public void RelativeChange_FromZero_IsInfinite()
        => Assert.Equal(double.PositiveInfinity, ImpactEvaluator.RelativeChange(0, 1));
}
