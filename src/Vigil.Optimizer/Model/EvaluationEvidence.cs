namespace Vigil.Optimizer.Model;

/// <summary>Everything an evaluation looked at and decided: windows, per-metric statistics and p-values, the verdict.</summary>
public sealed record EvaluationEvidence
{
    /// <summary>Start of the baseline window (before the change).</summary>
    public required DateTimeOffset BaselineStart { get; init; }

    /// <summary>End of the baseline window.</summary>
    public required DateTimeOffset BaselineEnd { get; init; }

    /// <summary>Start of the observation window (after the change and the settle time).</summary>
    public required DateTimeOffset ObservationStart { get; init; }

    /// <summary>End of the observation window.</summary>
    public required DateTimeOffset ObservationEnd { get; init; }

    /// <summary>The query resolution in seconds.</summary>
    public double StepSeconds { get; init; }

    /// <summary>The lookback delta of the queries in seconds, so a chart can repeat exactly what was compared.</summary>
    public double LookbackSeconds { get; init; }

    /// <summary>The confidence level of the tests (0.98: a difference counts when p &lt; 0.02).</summary>
    public double Confidence { get; init; }

    /// <summary>The smallest absolute effect size (rank-biserial) that counts as a change.</summary>
    public double MinEffectSize { get; init; }

    /// <summary>The relative improvement of the target the action had to reach.</summary>
    public double ImpactThreshold { get; init; }

    /// <summary>The measured impact: the target's relative improvement (positive is better), when measured.</summary>
    public double? Impact { get; init; }

    /// <summary>The target and guardrail comparisons.</summary>
    public IReadOnlyList<MetricEvidence> Metrics { get; init; } = [];

    /// <summary>True when the change is kept.</summary>
    public bool Keep { get; init; }

    /// <summary>Why the change was kept or rolled back, in words.</summary>
    public string Reason { get; init; } = string.Empty;
}
