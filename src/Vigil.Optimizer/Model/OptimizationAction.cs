using Vigil.Analysis.Insights;

namespace Vigil.Optimizer.Model;

/// <summary>One change the optimizer may make (the seed's <c>OptimizationAction</c>): what, where, how, and how urgent.</summary>
/// <remarks>Immutable. Built by the decider from a policy and the signal that matched it; never from API input.</remarks>
public sealed record OptimizationAction
{
    /// <summary>A unique id of this action.</summary>
    public required string Id { get; init; }

    /// <summary>The kind of change.</summary>
    public required OptimizationActionType Type { get; init; }

    /// <summary>The component the action changes (e.g. <c>checkout/pool_size</c>); two actions never run on one target at once.</summary>
    public required string Target { get; init; }

    /// <summary>The policy that proposed the action.</summary>
    public required string Policy { get; init; }

    /// <summary>The configured executor that applies and rolls back the action.</summary>
    public required string Executor { get; init; }

    /// <summary>The executor's parameters after templating (e.g. <c>tunable: pool_size</c>, <c>factor: 2</c>).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Higher runs first when several actions compete for the same slots.</summary>
    public int Priority { get; init; }

    /// <summary>The impact the policy expects (a relative improvement, e.g. 0.2 for 20 %); informational.</summary>
    public double EstimatedImpact { get; init; }

    /// <summary>The time limit of each executor call (capture, apply, rollback).</summary>
    public TimeSpan Timeout { get; init; }

    /// <summary>A human-readable summary of the change.</summary>
    public string Description { get; init; } = string.Empty;
}
