using Vigil.Analysis.Insights;
using Vigil.Core.Config;

namespace Vigil.Optimizer.Options;

/// <summary>The action a policy proposes; <see cref="Target"/>, <see cref="Description"/> and parameter values are Go templates over the signal.</summary>
/// <remarks>
/// Templates see the signal's <c>.Labels</c>, <c>.Severity</c>, <c>.Signal</c> (alert name or insight type) and <c>.Value</c>.
/// <code>
/// action:
///   type: ScaleUp
///   executor: demo-app
///   target: '{{ .Labels.service }}/pool_size'
///   parameters: { tunable: pool_size, factor: "2" }
///   priority: 10
///   estimated_impact: 0.3
///   timeout: 30s
/// </code>
/// </remarks>
public sealed record OptimizationActionConfig
{
    /// <summary>The kind of change.</summary>
    public required OptimizationActionType Type { get; init; }

    /// <summary>The executor's name in <c>optimization.executors</c>.</summary>
    public required string Executor { get; init; }

    /// <summary>The target component (template); the executor's name when empty.</summary>
    public string Target { get; init; } = string.Empty;

    /// <summary>The executor's parameters (values are templates).</summary>
    [NotSecret("shown with every execution (API, dashboard, VIGIL_PARAM_* variables); secrets belong in an executor's env")]
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Higher first when several candidates compete; 0 by default.</summary>
    public int Priority { get; init; }

    /// <summary>The expected relative improvement (informational, and a tie-breaker after priority).</summary>
    public double EstimatedImpact { get; init; }

    /// <summary>The time limit of each executor call; the executor's or the global <c>optimization_timeout</c> when null.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>A human-readable summary (template); generated when empty.</summary>
    public string Description { get; init; } = string.Empty;
}
