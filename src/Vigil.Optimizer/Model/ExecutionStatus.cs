namespace Vigil.Optimizer.Model;

/// <summary>Where an optimization execution stands (the seed's <c>ExecutionStatus</c>, plus <see cref="Rejected"/>).</summary>
public enum ExecutionStatus
{
    /// <summary>Proposed and not started: a recommendation, or waiting for approval.</summary>
    Pending,

    /// <summary>Being applied, observed or evaluated.</summary>
    Running,

    /// <summary>Applied and kept: the evaluation measured at least the required impact and no guardrail regressed.</summary>
    Completed,

    /// <summary>The executor failed (a rollback was attempted) or a rollback itself failed.</summary>
    Failed,

    /// <summary>Applied, then undone: the evaluation rejected it, or a user asked for the rollback.</summary>
    RolledBack,

    /// <summary>Never applied: a user rejected it, or it expired while waiting.</summary>
    Rejected,
}
