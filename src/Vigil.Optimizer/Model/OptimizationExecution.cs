namespace Vigil.Optimizer.Model;

/// <summary>
/// One proposed or executed action and everything that happened to it (the seed's <c>OptimizationExecution</c>): status,
/// phase, times, the value captured before the change, the measured impact, the evaluation's evidence and any error.
/// </summary>
/// <remarks>
/// The optimizer owns the live instances and hands out copies (<see cref="Clone"/>); a copy is a snapshot that later
/// transitions do not change. Every transition is written to the history journal before it takes effect outside.
/// </remarks>
public sealed class OptimizationExecution
{
    /// <summary>The execution id (time-ordered).</summary>
    public required string Id { get; set; }

    /// <summary>The action.</summary>
    public required OptimizationAction Action { get; set; }

    /// <summary>The mode the optimizer was in when it proposed the action.</summary>
    public OptimizationMode Mode { get; set; }

    /// <summary>The status.</summary>
    public ExecutionStatus Status { get; set; }

    /// <summary>The step a running execution is in.</summary>
    public ExecutionPhase Phase { get; set; }

    /// <summary>The alert or insight that led to the action.</summary>
    public OptimizationSignal? Trigger { get; set; }

    /// <summary>When the action was proposed.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When execution started (capture of the previous value), or null while pending.</summary>
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>When the change was applied, or null.</summary>
    public DateTimeOffset? AppliedAt { get; set; }

    /// <summary>When the execution reached a terminal status, or null.</summary>
    public DateTimeOffset? EndTime { get; set; }

    /// <summary>The value before the change, as the executor captured it (what a rollback restores), or null.</summary>
    public string? PreviousValue { get; set; }

    /// <summary>The value after the change, as the executor reported it, or null.</summary>
    public string? AppliedValue { get; set; }

    /// <summary>The measured impact (the target's relative improvement; positive is better), or null when not measured.</summary>
    public double? ActualImpact { get; set; }

    /// <summary>The evaluation's windows, statistics and verdict, or null when not evaluated.</summary>
    public EvaluationEvidence? Evidence { get; set; }

    /// <summary>What went wrong (executor failure, timeout, failed rollback), or null.</summary>
    public string? Error { get; set; }

    /// <summary>The executors' output (HTTP status and body, command stdout/stderr), truncated.</summary>
    public string? Output { get; set; }

    /// <summary>Who approved, rejected or asked for a rollback, restarts, and other events in order.</summary>
    public List<ExecutionNote> Notes { get; set; } = new();

    /// <summary>True once the execution has ended (Completed, Failed, RolledBack or Rejected); only a user can still roll back a Completed one.</summary>
    public bool IsTerminal => Status is not (ExecutionStatus.Pending or ExecutionStatus.Running);

    /// <summary>A deep copy that later transitions do not change.</summary>
    public OptimizationExecution Clone()
    {
        var copy = (OptimizationExecution)MemberwiseClone();
        copy.Notes = [.. Notes];
        return copy;
    }
}
