using Vigil.Optimizer.Model;

namespace Vigil.Optimizer.Options;

/// <summary>A metric an evaluation compares before and after an action: a PromQL expression evaluated at every step.</summary>
/// <remarks>
/// <code>
/// target: { name: p99, query: 'histogram_quantile(0.99, sum by (le) (rate(http_server_duration_seconds_bucket[15s])))', better: lower }
/// guardrails:
///   - { name: errors, query: 'sum(rate(errors_total[1m])) or vector(0)', better: lower, tolerance: 0.05 }
/// </code>
/// The expression should return one series (aggregate it); values of several series are pooled.
/// </remarks>
public sealed record OptimizationMetricConfig
{
    /// <summary>The name shown in evidence.</summary>
    public required string Name { get; init; }

    /// <summary>The PromQL expression.</summary>
    public required string Query { get; init; }

    /// <summary>Which way is better; lower by default (latency, errors, CPU).</summary>
    public MetricDirection Better { get; init; } = MetricDirection.Lower;

    /// <summary>A significant change smaller than this relative change (0.05 = 5 %) still passes; 0 by default.</summary>
    public double Tolerance { get; init; }
}
