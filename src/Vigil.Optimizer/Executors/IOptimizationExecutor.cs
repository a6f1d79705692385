using Vigil.Optimizer.Model;

namespace Vigil.Optimizer.Executors;

/// <summary>
/// Applies and rolls back one kind of change (webhook, command, tunable, config). Built only from configuration loaded at
/// start or reload, never from API input.
/// </summary>
/// <remarks>
/// The optimizer calls <see cref="CaptureAsync"/> first and journals the returned value, then <see cref="ApplyAsync"/>;
/// <see cref="RollbackAsync"/> gets the execution with <see cref="OptimizationExecution.PreviousValue"/> set and must
/// restore it exactly. Each call gets a token cancelled at the action's timeout (a command is then killed). A failure
/// throws <see cref="ExecutorException"/> with the output. Implementations are thread-safe; the optimizer never runs two
/// executions on one target at once.
/// </remarks>
internal interface IOptimizationExecutor
{
    /// <summary>The executor's name in the configuration.</summary>
    string Name { get; }

    /// <summary><c>webhook</c>, <c>command</c>, <c>tunable</c> or <c>config</c>.</summary>
    string Kind { get; }

    /// <summary>Reads the value the action will change (null when the executor has nothing to read).</summary>
    Task<string?> CaptureAsync(OptimizationExecution execution, CancellationToken ct);

    /// <summary>Makes the change; <see cref="ExecutorResult.Changed"/> is false when there was nothing to change (e.g. a knob at its bound).</summary>
    Task<ExecutorResult> ApplyAsync(OptimizationExecution execution, CancellationToken ct);

    /// <summary>Restores <see cref="OptimizationExecution.PreviousValue"/>.</summary>
    Task<ExecutorResult> RollbackAsync(OptimizationExecution execution, CancellationToken ct);
}
