using Vigil.Optimizer.Model;

namespace Vigil.Optimizer.Options;

/// <summary>An SLO that must hold while the decider searches (<c>p99 ≤ 0.025</c>, <c>error ratio ≤ 0.01</c>); a change that breaks it is rolled back.</summary>
public sealed record OptimizationConstraintConfig
{
    /// <summary>The name shown in evidence.</summary>
    public required string Name { get; init; }

    /// <summary>The PromQL expression (one value).</summary>
    public required string Query { get; init; }

    /// <summary>Lower: the value must stay at or below <see cref="Limit"/>; higher: at or above.</summary>
    public MetricDirection Better { get; init; } = MetricDirection.Lower;

    /// <summary>The limit.</summary>
    public required double Limit { get; init; }
}
