using Vigil.Optimizer.Model;

namespace Vigil.Optimizer.Options;

/// <summary>One entry of <c>optimization.policies</c>: when a matching signal is active, propose this action and judge it on these metrics.</summary>
/// <remarks>
/// <code>
/// policies:
///   - name: grow-pool
///     match: { alert: HighLatency }
///     action: { type: ScaleUp, executor: demo-app, target: demo/pool_size, parameters: { factor: "2" } }
///     evaluation:
///       target: { name: p99, query: '...', better: lower }
///       guardrails: [ { name: errors, query: '...' } ]
///       observation: 2m                # overrides of the global evaluation settings
///     cooldown: 10m
/// </code>
/// </remarks>
public sealed record OptimizationPolicyConfig
{
    /// <summary>The policy's unique name.</summary>
    public required string Name { get; init; }

    /// <summary>The signals it acts on.</summary>
    public required OptimizationMatchConfig Match { get; init; }

    /// <summary>The action it proposes.</summary>
    public required OptimizationActionConfig Action { get; init; }

    /// <summary>The metric the action must improve.</summary>
    public required OptimizationMetricConfig Target { get; init; }

    /// <summary>Metrics that must not regress, in addition to the global guardrails.</summary>
    public IReadOnlyList<OptimizationMetricConfig> Guardrails { get; init; } = [];

    /// <summary>The baseline window; the global one when null.</summary>
    public TimeSpan? Baseline { get; init; }

    /// <summary>The settle time; the global one when null.</summary>
    public TimeSpan? Settle { get; init; }

    /// <summary>The observation window; the global one when null.</summary>
    public TimeSpan? Observation { get; init; }

    /// <summary>The impact threshold; the global one when null.</summary>
    public double? ImpactThreshold { get; init; }

    /// <summary>The cooldown of the policy's targets; the global one when null.</summary>
    public TimeSpan? Cooldown { get; init; }

    /// <summary>A mode for this policy only (e.g. <c>recommend</c> for a risky one while the rest is <c>auto</c>); the global mode when null.</summary>
    public OptimizationMode? Mode { get; init; }
}
