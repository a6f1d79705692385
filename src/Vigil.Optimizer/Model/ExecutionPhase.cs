namespace Vigil.Optimizer.Model;

/// <summary>The step a <see cref="ExecutionStatus.Running"/> execution is in; what a restart resumes or rolls back from.</summary>
public enum ExecutionPhase
{
    /// <summary>Not started (pending).</summary>
    Proposed,

    /// <summary>Reading the value the action will change, so a rollback can restore it.</summary>
    Capturing,

    /// <summary>The executor is making the change; after a crash here the change may be half-applied and is rolled back.</summary>
    Applying,

    /// <summary>Applied; waiting for the settle time before observing.</summary>
    Settling,

    /// <summary>Applied; the observation window is running.</summary>
    Observing,

    /// <summary>Comparing the baseline and observation windows.</summary>
    Evaluating,

    /// <summary>Restoring the captured value.</summary>
    RollingBack,

    /// <summary>Nothing more will happen (any terminal status).</summary>
    Finished,
}
