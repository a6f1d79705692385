using System.Collections.Frozen;

namespace Vigil.Optimizer.Lifecycle;

/// <summary>
/// The optimization life cycle as one table: which state may follow which, and what a restart does with each running
/// state. <see cref="ExecutionLifecycle"/> refuses every transition that is not listed here, and the crash recovery reads
/// its restart rule from here, so the runner and the recovery cannot drift apart.
/// </summary>
/// <remarks>
/// <code>
///   proposed ──► capturing (approved) ──► applying ──► settling ──► observing ──► evaluating ──► kept
///      │              │                      │  │          │            │             │           │
///      ▼              ▼                      │  ▼          └────────────┴─────────────┤           │ (user)
///   rejected        failed         rejected ◄┘ rolling back ◄─────────────────────────┘ ◄─────────┘
///                                                 │
///                                       rolled back / failed
/// </code>
/// Any running state may also end as failed (an unexpected error, or an executor gone after a restart).
/// </remarks>
public static class LifecycleTable
{
    private static readonly FrozenDictionary<ExecutionState, FrozenSet<ExecutionState>> Next = new Dictionary<ExecutionState, FrozenSet<ExecutionState>>
    {
        // Approve or auto start; reject or expire.
        [ExecutionState.Proposed] = Set(ExecutionState.Capturing, ExecutionState.Rejected),
        // Captured; capture failed or interrupted before anything changed.
        [ExecutionState.Capturing] = Set(ExecutionState.Applying, ExecutionState.Failed),
        // Applied; nothing to change or rollback asked before the change; apply failed or interrupted (undo whatever happened).
        [ExecutionState.Applying] = Set(ExecutionState.Settling, ExecutionState.Rejected, ExecutionState.RollingBack, ExecutionState.Failed),
        [ExecutionState.Settling] = Set(ExecutionState.Observing, ExecutionState.RollingBack, ExecutionState.Failed),
        [ExecutionState.Observing] = Set(ExecutionState.Evaluating, ExecutionState.RollingBack, ExecutionState.Failed),
        [ExecutionState.Evaluating] = Set(ExecutionState.Kept, ExecutionState.RollingBack, ExecutionState.Failed),
        // Note: rolling back may be entered again (a rollback resumed after a restart re-enters it with a note).
        [ExecutionState.RollingBack] = Set(ExecutionState.RollingBack, ExecutionState.RolledBack, ExecutionState.Failed),
        // A user may roll back a kept change later.
        [ExecutionState.Kept] = Set(ExecutionState.RollingBack),
        [ExecutionState.RolledBack] = Set(),
        [ExecutionState.Rejected] = Set(),
        [ExecutionState.Failed] = Set(),
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<ExecutionState, RestartAction> Restart = new Dictionary<ExecutionState, RestartAction>
    {
        [ExecutionState.Capturing] = RestartAction.FailUnchanged,
        [ExecutionState.Applying] = RestartAction.RollBack,
        [ExecutionState.Settling] = RestartAction.ResumeObservation,
        [ExecutionState.Observing] = RestartAction.ResumeObservation,
        [ExecutionState.Evaluating] = RestartAction.ResumeObservation,
        [ExecutionState.RollingBack] = RestartAction.ResumeRollback,
    }.ToFrozenDictionary();

    /// <summary>Every state of the life cycle.</summary>
    public static IEnumerable<ExecutionState> States => Next.Keys;

    /// <summary>True when the table allows <paramref name="from"/> → <paramref name="to"/>.</summary>
    public static bool Allows(ExecutionState from, ExecutionState to) => Next.TryGetValue(from, out var next) && next.Contains(to);

    /// <summary>The states that may follow <paramref name="from"/> (empty for an ended execution or an unknown state).</summary>
    public static IReadOnlySet<ExecutionState> Successors(ExecutionState from) => Next.TryGetValue(from, out var next) ? next : FrozenSet<ExecutionState>.Empty;

    /// <summary>What a restart does with an execution found in <paramref name="state"/>; null when the state is not running.</summary>
    public static RestartAction? OnRestart(ExecutionState state) => Restart.TryGetValue(state, out var action) ? action : null;

    private static FrozenSet<ExecutionState> Set(params ExecutionState[] states) => states.ToFrozenSet();
}
