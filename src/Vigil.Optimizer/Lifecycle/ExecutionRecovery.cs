using Microsoft.Extensions.Logging;
using Vigil.Optimizer.Model;

namespace Vigil.Optimizer.Lifecycle;

/// <summary>
/// After a stop or crash, finishes what the journal shows as running, by the restart rule of
/// <see cref="LifecycleTable.OnRestart"/>: fail what had not changed anything, roll back a half-applied change, resume
/// the observation of an applied one, finish an interrupted rollback.
/// </summary>
internal static class ExecutionRecovery
{
    /// <summary>Recovers every running execution in <paramref name="lifecycle"/>; runs are started on <paramref name="runner"/>.</summary>
    public static void Recover(ExecutionLifecycle lifecycle, ExecutionRunner runner, OptimizerSetup setup, ILogger logger)
    {
        foreach (var e in lifecycle.Snapshot().Where(x => x.Status == ExecutionStatus.Running))
        {
            var state = ExecutionState.Of(e);
            if (LifecycleTable.OnRestart(state) is not { } action)
            {
                logger.LogError("Optimization {Id} is in an unknown state {State}; it is left as it is", e.Id, state);
                continue;
            }
            if (!setup.Executors.TryGetValue(e.Action.Executor, out var executor))
            {
                var failed = lifecycle.Transition(e.Id, ExecutionState.Failed, change: x => x with
                {
                    Error = $"interrupted by a restart, and executor {x.Action.Executor} is no longer configured: "
                        + (x.AppliedAt is null && action == RestartAction.FailUnchanged ? "nothing was changed" : $"{x.Action.Target} may still be changed (it was {x.PreviousValue ?? "not captured"})"),
                });
                logger.LogError("Optimization {Id}: {Error}", e.Id, failed.Error);
                continue;
            }
            var policy = setup.Policy(e.Action.Policy);
            var now = action switch
            {
                RestartAction.FailUnchanged => lifecycle.Transition(e.Id, ExecutionState.Failed,
                    change: x => x with { Error = "interrupted by a restart before the change was applied; nothing was changed" }),
                RestartAction.RollBack => lifecycle.Transition(e.Id, ExecutionState.RollingBack,
                    "interrupted by a restart while the change was being applied; rolling back"),
                RestartAction.ResumeObservation => lifecycle.Record(e.Id, "resumed after a restart (" + e.Phase.ToString().ToLowerInvariant() + ")"),
                _ => lifecycle.Transition(e.Id, ExecutionState.RollingBack, "resumed the rollback after a restart"),
            };
            switch (action)
            {
                case RestartAction.RollBack or RestartAction.ResumeRollback:
                    runner.Start(e.Id, executor, policy, ExecutionPhase.RollingBack);
                    break;
                case RestartAction.ResumeObservation:
                    runner.Start(e.Id, executor, policy, ExecutionPhase.Settling);
                    break;
            }
            logger.LogWarning("Optimization {Id} on {Target} was interrupted by a restart: {Action}", e.Id, e.Action.Target,
                now.Notes.Count > 0 ? now.Notes[^1].Text : now.Error);
        }
    }
}
