using Vigil.Optimizer.Options;

namespace Vigil.Optimizer.Evaluator;

/// <summary>What to compare for one execution: the metrics, both windows, the resolution and the thresholds.</summary>
internal sealed record EvaluationPlan
{
    public required OptimizationMetricConfig Target { get; init; }

    public IReadOnlyList<OptimizationMetricConfig> Guardrails { get; init; } = [];

    /// <summary>An objective's constraints: the observation median of each must stay within its limit.</summary>
    public IReadOnlyList<OptimizationConstraintConfig> Constraints { get; init; } = [];

    /// <summary>
    /// Set for a lever decider's cheaper setting: the change is kept when the target's observation median still meets this
    /// threshold (and no guardrail or constraint broke), whether or not the target improved.
    /// </summary>
    public double? KeepWhileMeets { get; init; }

    public required DateTimeOffset BaselineStart { get; init; }

    public required DateTimeOffset BaselineEnd { get; init; }

    public required DateTimeOffset ObservationStart { get; init; }

    public required DateTimeOffset ObservationEnd { get; init; }

    public required TimeSpan Step { get; init; }

    /// <summary>How far back an instant selector looks for a sample; twice the step when null, so a series that stopped is missing data, not its last value repeated.</summary>
    public TimeSpan? Lookback { get; init; }

    /// <summary>0.98: a difference counts when p &lt; 0.02.</summary>
    public double Confidence { get; init; } = 0.98;

    /// <summary>The smallest |rank-biserial| that counts as a change.</summary>
    public double MinEffectSize { get; init; } = 0.3;

    /// <summary>Fewer values than this in either window is missing data.</summary>
    public int MinSamples { get; init; } = 5;

    /// <summary>The relative improvement of the target the action must reach.</summary>
    public double ImpactThreshold { get; init; } = 0.1;
}
