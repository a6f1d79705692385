namespace Vigil.Optimizer.Model;

/// <summary>
/// One proposed or executed action and everything that happened to it (the seed's <c>OptimizationExecution</c>): status,
/// phase, times, the value captured before the change, the measured impact, the evaluation's evidence and any error.
/// </summary>
/// <remarks>
/// Immutable: a value is a snapshot. Only the optimizer's state machine (<c>ExecutionLifecycle</c>) makes the next
/// version, through a transition its table allows, and journals it before it takes effect outside.
/// </remarks>
public sealed record OptimizationExecution
{
    /// <summary>The execution id (time-ordered).</summary>
    public required string Id { get; init; }

    /// <summary>The action.</summary>
    public required OptimizationAction Action { get; init; }

    /// <summary>The mode the optimizer was in when it proposed the action.</summary>
    public OptimizationMode Mode { get; init; }

    /// <summary>The status.</summary>
    public ExecutionStatus Status { get; init; }

    /// <summary>The step a running execution is in.</summary>
    public ExecutionPhase Phase { get; init; }

    /// <summary>The alert or insight that led to the action.</summary>
    public OptimizationSignal? Trigger { get; init; }

    /// <summary>When the action was proposed.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When execution started (capture of the previous value), or null while pending.</summary>
    public DateTimeOffset? StartTime { get; init; }

    /// <summary>When the change was applied, or null.</summary>
    public DateTimeOffset? AppliedAt { get; init; }

    /// <summary>When the execution reached a terminal status, or null.</summary>
    public DateTimeOffset? EndTime { get; init; }

    /// <summary>The value before the change, as the executor captured it (what a rollback restores), or null.</summary>
    public string? PreviousValue { get; init; }

    /// <summary>The value after the change, as the executor reported it, or null.</summary>
    public string? AppliedValue { get; init; }

    /// <summary>The measured impact (the target's relative improvement; positive is better), or null when not measured.</summary>
    public double? ActualImpact { get; init; }

    /// <summary>The evaluation's windows, statistics and verdict, or null when not evaluated.</summary>
    public EvaluationEvidence? Evidence { get; init; }

    /// <summary>What went wrong (executor failure, timeout, failed rollback), or null.</summary>
    public string? Error { get; init; }

    /// <summary>The executors' output (HTTP status and body, command stdout/stderr), truncated.</summary>
    public string? Output { get; init; }

    /// <summary>Who approved, rejected or asked for a rollback, restarts, and other events in order.</summary>
    public IReadOnlyList<ExecutionNote> Notes { get; init; } = [];

    /// <summary>True once the execution has ended (Completed, Failed, RolledBack or Rejected); only a user can still roll back a Completed one.</summary>
    public bool IsTerminal => Status is not (ExecutionStatus.Pending or ExecutionStatus.Running);
}
