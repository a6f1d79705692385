namespace Vigil.Optimizer.Model;

/// <summary>How one metric compared between the baseline and observation windows, with the test statistics.</summary>
public sealed record MetricEvidence
{
    /// <summary>The metric's name in the policy.</summary>
    public required string Name { get; init; }

    /// <summary>Target or guardrail.</summary>
    public required MetricRole Role { get; init; }

    /// <summary>The PromQL expression, evaluated at every step of both windows.</summary>
    public required string Query { get; init; }

    /// <summary>Which way the metric is better.</summary>
    public MetricDirection Better { get; init; }

    /// <summary>The relative change a significant difference must exceed to count (guardrails); 0 means any.</summary>
    public double Tolerance { get; init; }

    /// <summary>The baseline window's statistics.</summary>
    public required WindowStatistics Baseline { get; init; }

    /// <summary>The observation window's statistics.</summary>
    public required WindowStatistics Observation { get; init; }

    /// <summary>The Mann–Whitney U of the observation window against the baseline, when tested.</summary>
    public double? U { get; init; }

    /// <summary>The two-sided p-value, when tested.</summary>
    public double? PValue { get; init; }

    /// <summary>The effect size (rank-biserial correlation, positive when the observation is larger), when tested.</summary>
    public double? EffectSize { get; init; }

    /// <summary>The relative change of the median, (observation − baseline) / |baseline|, when both windows have data.</summary>
    public double? RelativeChange { get; init; }

    /// <summary>The classification.</summary>
    public required MetricClassification Classification { get; init; }

    /// <summary>Why it was classified so, in words.</summary>
    public string Reason { get; init; } = string.Empty;
}
