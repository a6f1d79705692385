using Vigil.Optimizer.Model;

namespace Vigil.Optimizer.Lifecycle;

/// <summary>A node of the optimization life cycle: the status and, while running, the phase.</summary>
/// <param name="Status">The status.</param>
/// <param name="Phase">The phase (<see cref="ExecutionPhase.Proposed"/> while pending, <see cref="ExecutionPhase.Finished"/> once ended).</param>
public readonly record struct ExecutionState(ExecutionStatus Status, ExecutionPhase Phase)
{
    /// <summary>Proposed: a recommendation, or waiting for approval.</summary>
    public static readonly ExecutionState Proposed = new(ExecutionStatus.Pending, ExecutionPhase.Proposed);

    /// <summary>Approved (or started in auto mode): capturing the value the action changes.</summary>
    public static readonly ExecutionState Capturing = new(ExecutionStatus.Running, ExecutionPhase.Capturing);

    /// <summary>The executor is making the change.</summary>
    public static readonly ExecutionState Applying = new(ExecutionStatus.Running, ExecutionPhase.Applying);

    /// <summary>Applied; waiting for the settle time.</summary>
    public static readonly ExecutionState Settling = new(ExecutionStatus.Running, ExecutionPhase.Settling);

    /// <summary>Applied; the observation window runs.</summary>
    public static readonly ExecutionState Observing = new(ExecutionStatus.Running, ExecutionPhase.Observing);

    /// <summary>Comparing the baseline and the observation windows.</summary>
    public static readonly ExecutionState Evaluating = new(ExecutionStatus.Running, ExecutionPhase.Evaluating);

    /// <summary>Restoring the captured value.</summary>
    public static readonly ExecutionState RollingBack = new(ExecutionStatus.Running, ExecutionPhase.RollingBack);

    /// <summary>Kept: applied, and the evaluation measured the required impact.</summary>
    public static readonly ExecutionState Kept = new(ExecutionStatus.Completed, ExecutionPhase.Finished);

    /// <summary>Applied, then undone.</summary>
    public static readonly ExecutionState RolledBack = new(ExecutionStatus.RolledBack, ExecutionPhase.Finished);

    /// <summary>Never applied: rejected by a user, expired, or nothing to change.</summary>
    public static readonly ExecutionState Rejected = new(ExecutionStatus.Rejected, ExecutionPhase.Finished);

    /// <summary>An executor, a rollback or the optimizer itself failed.</summary>
    public static readonly ExecutionState Failed = new(ExecutionStatus.Failed, ExecutionPhase.Finished);

    /// <summary>The state of <paramref name="execution"/>.</summary>
    public static ExecutionState Of(OptimizationExecution execution) => new(execution.Status, execution.Phase);

    /// <inheritdoc />
    public override string ToString() => Status + "/" + Phase;
}
