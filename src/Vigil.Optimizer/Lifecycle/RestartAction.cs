namespace Vigil.Optimizer.Lifecycle;

/// <summary>What the recovery does with an execution that a stop or crash left in a running state.</summary>
public enum RestartAction
{
    /// <summary>Nothing had been changed yet: the execution fails with "nothing was changed".</summary>
    FailUnchanged,

    /// <summary>The change may be half-applied: roll it back.</summary>
    RollBack,

    /// <summary>The change is in force: resume waiting, observing and evaluating.</summary>
    ResumeObservation,

    /// <summary>A rollback was under way: finish it.</summary>
    ResumeRollback,
}
