using Vigil.Optimizer.Decider.Levers;

namespace Vigil.Optimizer.Model;

/// <summary>
/// Where the lever decider stands on one objective of <c>optimization.objectives</c>: the target now, what it is doing
/// (waiting, a trial running, a verdict), its evidence per lever, the trials of the current conditions and its choices.
/// </summary>
/// <remarks>Immutable snapshot, rebuilt on every optimizer pass.</remarks>
public sealed record ObjectiveStatus
{
    /// <summary>The objective's name.</summary>
    public required string Name { get; init; }

    /// <summary>The target metric's name.</summary>
    public required string Target { get; init; }

    /// <summary>The target's PromQL.</summary>
    public required string Query { get; init; }

    /// <summary>Which way is better.</summary>
    public MetricDirection Better { get; init; }

    /// <summary>The threshold at which the objective is met, or null.</summary>
    public double? Threshold { get; init; }

    /// <summary>The target's median over the last baseline window, or null when it had no data.</summary>
    public double? Value { get; init; }

    /// <summary>Whether every constraint held over the last baseline window (null when not measured).</summary>
    public bool? ConstraintsHold { get; init; }

    /// <summary><c>off</c>, <c>waiting</c>, <c>trial</c>, <c>proposed</c>, <c>verdict</c> or <c>error</c>.</summary>
    public required string State { get; init; }

    /// <summary>What the state means now, in one sentence.</summary>
    public string Detail { get; init; } = string.Empty;

    /// <summary>The conditions epoch: it grows when the load changes at an unchanged setting, a lever is changed outside the optimizer, or the objective is reconfigured.</summary>
    public int Epoch { get; init; }

    /// <summary>Why the last epoch started, or null for the first.</summary>
    public string? EpochReason { get; init; }

    /// <summary>The verdict, or null while searching.</summary>
    public LeverVerdict? Verdict { get; init; }

    /// <summary>The verdict's reason with what was tried and its evidence, or the reason of the last choice.</summary>
    public string? Reason { get; init; }

    /// <summary>Since when the verdict stands.</summary>
    public DateTimeOffset? VerdictSince { get; init; }

    /// <summary>What is left to a person when the objective is out of reach: recommend-mode levers and pending recommendations.</summary>
    public IReadOnlyList<string> Escalations { get; init; } = [];

    /// <summary>Each lever's value now.</summary>
    public IReadOnlyDictionary<string, double> Current { get; init; } = new Dictionary<string, double>();

    /// <summary>Every lever's evidence and score at the last decision.</summary>
    public IReadOnlyList<LeverScore> Scores { get; init; } = [];

    /// <summary>The trials of the current epoch, oldest first.</summary>
    public IReadOnlyList<LeverTrial> Tried { get; init; } = [];

    /// <summary>The decider's choices (its executions), newest first: lever, value, expected and measured effect, p-value, verdict.</summary>
    public IReadOnlyList<LeverChoice> Choices { get; init; } = [];

    /// <summary>When this status was computed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
}
