namespace Vigil.Optimizer.Options;

/// <summary>
/// An objective for the lever decider (<c>optimization.objectives[]</c>): a target metric with a direction and an optional
/// threshold, the constraints that must hold, and the levers it may turn. See docs/OPTIMIZATION.md, "The lever decider".
/// </summary>
public sealed record OptimizationObjectiveConfig
{
    /// <summary>The objective's name (verdicts and insights carry it).</summary>
    public required string Name { get; init; }

    /// <summary>The target metric and its direction.</summary>
    public required OptimizationMetricConfig Target { get; init; }

    /// <summary>The value at which the objective is met (e.g. 0.025 s for p99 lower-is-better); null to improve as far as the levers go.</summary>
    public double? Threshold { get; init; }

    /// <summary>SLOs that must hold; a change that breaks one is rolled back.</summary>
    public IReadOnlyList<OptimizationConstraintConfig> Constraints { get; init; } = [];

    /// <summary>The levers, in no particular order (the decider chooses).</summary>
    public IReadOnlyList<OptimizationLeverConfig> Levers { get; init; } = [];

    /// <summary>The relative improvement a change must bring to be kept; the optimizer's <c>impact_threshold</c> when null.</summary>
    public double? ImpactThreshold { get; init; }

    /// <summary>Trials without a kept change after which a lever counts as converged (no further improvement expected); 3 by default.</summary>
    public int PatienceTrials { get; init; } = 3;

    /// <summary>Seed of the decider's exploration (Thompson sampling), so runs can be repeated.</summary>
    public int Seed { get; init; } = 1;
}
