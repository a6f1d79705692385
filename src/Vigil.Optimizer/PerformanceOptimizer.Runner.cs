using Microsoft.Extensions.Logging;
using Vigil.Core.Model;
using Vigil.Optimizer.Decider;
using Vigil.Optimizer.Evaluator;
using Vigil.Optimizer.Executors;
using Vigil.Optimizer.Model;

namespace Vigil.Optimizer;

/// <summary>Executing one action: capture, apply, settle, observe, evaluate, keep or roll back; and recovery after a crash.</summary>
public sealed partial class PerformanceOptimizer
{
    /// <summary>Starts the task that drives <paramref name="e"/> from <paramref name="from"/>; call with the lock held.</summary>
    /// <param name="e">The execution (already journaled as running in <paramref name="from"/>).</param>
    /// <param name="executor">The executor it started with.</param>
    /// <param name="policy">The policy (windows and metrics); null when only a rollback remains.</param>
    /// <param name="from">Capturing, Settling (resume after a restart) or RollingBack.</param>
    /// <param name="rollbackStatus">The status after a successful rollback.</param>
    private void StartRunnerLocked(OptimizationExecution e, IOptimizationExecutor executor, CompiledPolicy? policy, ExecutionPhase from, ExecutionStatus rollbackStatus)
    {
        var runner = new Runner();
        _runners[e.Id] = runner;
        runner.Task = Task.Run(async () =>
        {
            try
            {
                await RunAsync(e, executor, policy, from, rollbackStatus, runner).ConfigureAwait(false);
            }
            finally
            {
                lock (_lock)
                {
                    _runners.Remove(e.Id);
                }
                runner.Abort.Dispose();
            }
        });
    }

    private async Task RunAsync(OptimizationExecution e, IOptimizationExecutor executor, CompiledPolicy? policy, ExecutionPhase from,
        ExecutionStatus rollbackStatus, Runner runner)
    {
        var stop = _stop.Token;
        try
        {
            if (from == ExecutionPhase.RollingBack)
            {
                await RollbackAsync(e, executor, rollbackStatus, null).ConfigureAwait(false);
                return;
            }
            if (from == ExecutionPhase.Capturing && !await CaptureAndApplyAsync(e, executor, runner).ConfigureAwait(false))
            {
                return;
            }
            if (policy is null)
            {
                await RollbackAsync(e, executor, ExecutionStatus.RolledBack,
                    $"policy {e.Action.Policy} is no longer configured, so the change cannot be evaluated").ConfigureAwait(false);
                return;
            }
            var plan = Plan(e, policy);
            if (!await WaitUntilAsync(plan.ObservationStart, runner).ConfigureAwait(false))
            {
                await RollbackAsync(e, executor, ExecutionStatus.RolledBack, "rolled back as asked by " + runner.RollbackBy).ConfigureAwait(false);
                return;
            }
            Transition(e, x => x.Phase = ExecutionPhase.Observing);
            // Note: one extra step lets the last samples of the window reach storage before it is queried.
            if (!await WaitUntilAsync(plan.ObservationEnd + plan.Step, runner).ConfigureAwait(false))
            {
                await RollbackAsync(e, executor, ExecutionStatus.RolledBack, "rolled back as asked by " + runner.RollbackBy).ConfigureAwait(false);
                return;
            }
            Transition(e, x => x.Phase = ExecutionPhase.Evaluating);
            var evidence = await Task.Run(() => _evaluator.Evaluate(plan, stop), stop).ConfigureAwait(false);
            if (evidence.Impact is { } impact)
            {
                _metrics.ImpactMeasured(e.Action, impact);
            }
            if (evidence.Keep && runner.RollbackBy is null)
            {
                Transition(e, x =>
                {
                    x.Evidence = evidence;
                    x.ActualImpact = evidence.Impact;
                    x.Status = ExecutionStatus.Completed;
                    x.Phase = ExecutionPhase.Finished;
                    x.EndTime = _clock.GetUtcNow();
                    AddNote(x, "kept: " + evidence.Reason);
                });
                _logger.LogInformation("Optimization {Id} on {Target} kept: {Reason}", e.Id, e.Action.Target, evidence.Reason);
                return;
            }
            Transition(e, x =>
            {
                x.Evidence = evidence;
                x.ActualImpact = evidence.Impact;
            });
            string why = runner.RollbackBy is { } by ? "rolled back as asked by " + by : "evaluation: " + evidence.Reason;
            _logger.LogInformation("Optimization {Id} on {Target} rolled back: {Reason}", e.Id, e.Action.Target, why);
            await RollbackAsync(e, executor, ExecutionStatus.RolledBack, why).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Note: stopping; the journal holds the phase, and the next start resumes or rolls back from there.
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Optimization {Id} failed unexpectedly", e.Id);
            Transition(e, x =>
            {
                x.Status = ExecutionStatus.Failed;
                x.Phase = ExecutionPhase.Finished;
                x.EndTime = _clock.GetUtcNow();
                x.Error = "internal error: " + ex.Message + (x.AppliedAt is null ? string.Empty : $"; {x.Action.Target} may still be changed (it was {x.PreviousValue ?? "unknown"})");
            });
        }
    }

    /// <summary>Captures, then applies; false when the execution ended (capture or apply failed, nothing to change, rollback asked).</summary>
    private async Task<bool> CaptureAndApplyAsync(OptimizationExecution e, IOptimizationExecutor executor, Runner runner)
    {
        string? previous;
        try
        {
            previous = await CallAsync(e, "capture", (x, ct) => executor.CaptureAsync(x, ct)).ConfigureAwait(false);
        }
        catch (ExecutorException ex)
        {
            Transition(e, x =>
            {
                x.Status = ExecutionStatus.Failed;
                x.Phase = ExecutionPhase.Finished;
                x.EndTime = _clock.GetUtcNow();
                x.Error = "capture failed (nothing was changed): " + ex.Message;
                x.Output = ex.Output;
            });
            _logger.LogWarning("Optimization {Id}: capture failed: {Error}", e.Id, ex.Message);
            return false;
        }
        Transition(e, x =>
        {
            x.PreviousValue = previous;
            x.Phase = ExecutionPhase.Applying;
        });
        if (runner.RollbackBy is { } by)
        {
            Transition(e, x =>
            {
                x.Status = ExecutionStatus.Rejected;
                x.Phase = ExecutionPhase.Finished;
                x.EndTime = _clock.GetUtcNow();
                AddNote(x, "not applied: " + by + " asked for a rollback before the change");
            });
            return false;
        }
        ExecutorResult applied;
        try
        {
            applied = await CallAsync(e, "apply", (x, ct) => executor.ApplyAsync(x, ct)).ConfigureAwait(false);
        }
        catch (ExecutorException ex)
        {
            Transition(e, x =>
            {
                x.Error = "apply failed: " + ex.Message;
                x.Output = ex.Output;
            });
            _logger.LogWarning("Optimization {Id}: apply failed: {Error}; rolling back", e.Id, ex.Message);
            await RollbackAsync(e, executor, ExecutionStatus.Failed, "the executor failed; rolling back in case it changed something").ConfigureAwait(false);
            return false;
        }
        if (!applied.Changed)
        {
            Transition(e, x =>
            {
                x.Status = ExecutionStatus.Rejected;
                x.Phase = ExecutionPhase.Finished;
                x.EndTime = _clock.GetUtcNow();
                x.Output = applied.Output;
                AddNote(x, "nothing to change: " + applied.Output);
            });
            return false;
        }
        Transition(e, x =>
        {
            x.AppliedAt = _clock.GetUtcNow();
            x.AppliedValue = applied.Value;
            x.Output = applied.Output;
            x.Phase = ExecutionPhase.Settling;
            AddNote(x, "applied: " + FirstLine(applied.Output));
        });
        _logger.LogInformation("Optimization {Id} applied to {Target}: {Output}", e.Id, e.Action.Target, FirstLine(applied.Output));
        return true;
    }

    /// <summary>Restores the captured value and ends the execution with <paramref name="status"/> (Failed when the rollback fails).</summary>
    private async Task RollbackAsync(OptimizationExecution e, IOptimizationExecutor executor, ExecutionStatus status, string? reason)
    {
        Transition(e, x =>
        {
            x.Phase = ExecutionPhase.RollingBack;
            if (reason is not null)
            {
                AddNote(x, "rolling back: " + reason);
            }
        });
        try
        {
            var result = await CallAsync(e, "rollback", (x, ct) => executor.RollbackAsync(x, ct)).ConfigureAwait(false);
            Transition(e, x =>
            {
                x.Status = status;
                x.Phase = ExecutionPhase.Finished;
                x.EndTime = _clock.GetUtcNow();
                x.Output = Join(x.Output, result.Output);
                AddNote(x, "rolled back: " + FirstLine(result.Output));
            });
        }
        catch (ExecutorException ex)
        {
            Transition(e, x =>
            {
                x.Status = ExecutionStatus.Failed;
                x.Phase = ExecutionPhase.Finished;
                x.EndTime = _clock.GetUtcNow();
                string left = $"{x.Action.Target} may still be changed (it was {x.PreviousValue ?? "not captured"})";
                x.Error = Join(x.Error, "rollback failed: " + ex.Message + "; " + left, "; ");
                x.Output = Join(x.Output, ex.Output);
            });
            _logger.LogError("Optimization {Id}: rollback of {Target} failed: {Error}", e.Id, e.Action.Target, ex.Message);
        }
    }

    /// <summary>Runs an executor call on a snapshot with the action's timeout; a timeout becomes an <see cref="ExecutorException"/>.</summary>
    private async Task<T> CallAsync<T>(OptimizationExecution e, string what, Func<OptimizationExecution, CancellationToken, Task<T>> call)
    {
        OptimizationExecution snapshot;
        lock (_lock)
        {
            snapshot = e.Clone();
        }
        var timeout = e.Action.Timeout > TimeSpan.Zero ? e.Action.Timeout : Config.OptimizationTimeout;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        cts.CancelAfter(timeout);
        try
        {
            var result = await call(snapshot, cts.Token).ConfigureAwait(false);
            AuditCall(e, what, "ok", result switch
            {
                ExecutorResult r => FirstLine(r.Output),
                string captured => "captured " + captured,
                _ => string.Empty,
            });
            return result;
        }
        catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
        {
            var ex = new ExecutorException($"{e.Action.Executor}: {what} did not finish within {PrometheusDuration.Format(timeout)}");
            AuditCall(e, what, "failed", ex.Message);
            throw ex;
        }
        catch (ExecutorException ex) when (!_stop.IsCancellationRequested)
        {
            AuditCall(e, what, "failed", ex.Message);
            throw;
        }
        catch (ExecutorException ex) when (_stop.IsCancellationRequested)
        {
            // Note: a call cut short by the shutdown (a killed command) is not a failure; the restart rolls it back.
            throw new OperationCanceledException("stopping", ex, _stop.Token);
        }
    }

    /// <summary>Records an executor call in the audit log.</summary>
    private void AuditCall(OptimizationExecution e, string what, string result, string detail)
        => _audit.Append(new AuditEntry(_clock.GetUtcNow(), AuditEntry.OptimizerPrincipal, "execution", what, e.Id, result, detail)
        {
            Executor = e.Action.Executor,
            Policy = e.Action.Policy,
            Target = e.Action.Target,
        });

    /// <summary>Waits until <paramref name="until"/>; false when a user asked for a rollback meanwhile. Throws when the optimizer stops.</summary>
    private async Task<bool> WaitUntilAsync(DateTimeOffset until, Runner runner)
    {
        if (runner.RollbackBy is not null)
        {
            return false;
        }
        var delay = until - _clock.GetUtcNow();
        if (delay <= TimeSpan.Zero)
        {
            return true;
        }
        using var both = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, runner.Abort.Token);
        try
        {
            await Task.Delay(delay, _clock, both.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The windows and thresholds for evaluating <paramref name="e"/> under <paramref name="policy"/>.</summary>
    private EvaluationPlan Plan(OptimizationExecution e, CompiledPolicy policy)
    {
        var ev = Config.Evaluation;
        var start = e.StartTime ?? e.CreatedAt;
        var applied = e.AppliedAt ?? start;
        return new EvaluationPlan
        {
            Target = policy.Config.Target,
            Guardrails = policy.Guardrails,
            BaselineStart = start - policy.Baseline,
            BaselineEnd = start,
            ObservationStart = applied + policy.Settle,
            ObservationEnd = applied + policy.Settle + policy.Observation,
            Step = ev.Step,
            Lookback = ev.Lookback,
            Confidence = ev.Confidence,
            MinEffectSize = ev.MinEffectSize,
            MinSamples = ev.MinSamples,
            ImpactThreshold = policy.ImpactThreshold,
        };
    }

    /// <summary>Rolls back or resumes the executions the journal shows as running (the previous process stopped or crashed).</summary>
    private void Recover()
    {
        var configured = Volatile.Read(ref _configured);
        foreach (var e in _executions.Where(x => x.Status == ExecutionStatus.Running).ToList())
        {
            if (!configured.Executors.TryGetValue(e.Action.Executor, out var executor))
            {
                e.Status = ExecutionStatus.Failed;
                e.Phase = ExecutionPhase.Finished;
                e.EndTime = _clock.GetUtcNow();
                e.Error = $"interrupted by a restart, and executor {e.Action.Executor} is no longer configured: "
                    + (e.AppliedAt is null && e.Phase == ExecutionPhase.Capturing ? "nothing was changed" : $"{e.Action.Target} may still be changed (it was {e.PreviousValue ?? "not captured"})");
                PersistLocked(e, statusChanged: true);
                _logger.LogError("Optimization {Id}: {Error}", e.Id, e.Error);
                continue;
            }
            var policy = configured.Policies.FirstOrDefault(p => p.Name == e.Action.Policy);
            switch (e.Phase)
            {
                case ExecutionPhase.Capturing:
                    e.Status = ExecutionStatus.Failed;
                    e.Phase = ExecutionPhase.Finished;
                    e.EndTime = _clock.GetUtcNow();
                    e.Error = "interrupted by a restart before the change was applied; nothing was changed";
                    PersistLocked(e, statusChanged: true);
                    break;
                case ExecutionPhase.Applying:
                    AddNote(e, "interrupted by a restart while the change was being applied; rolling back");
                    e.Phase = ExecutionPhase.RollingBack;
                    PersistLocked(e, statusChanged: false);
                    StartRunnerLocked(e, executor, policy, ExecutionPhase.RollingBack, ExecutionStatus.RolledBack);
                    break;
                case ExecutionPhase.Settling or ExecutionPhase.Observing or ExecutionPhase.Evaluating:
                    AddNote(e, "resumed after a restart (" + e.Phase.ToString().ToLowerInvariant() + ")");
                    PersistLocked(e, statusChanged: false);
                    StartRunnerLocked(e, executor, policy, ExecutionPhase.Settling, ExecutionStatus.RolledBack);
                    break;
                default:
                    AddNote(e, "resumed the rollback after a restart");
                    e.Phase = ExecutionPhase.RollingBack;
                    PersistLocked(e, statusChanged: false);
                    StartRunnerLocked(e, executor, policy, ExecutionPhase.RollingBack, ExecutionStatus.RolledBack);
                    break;
            }
            _logger.LogWarning("Optimization {Id} on {Target} was interrupted by a restart: {Action}", e.Id, e.Action.Target,
                e.Notes.Count > 0 ? e.Notes[^1].Text : e.Error);
        }
    }

    private static string FirstLine(string text)
    {
        int nl = text.IndexOf('\n', StringComparison.Ordinal);
        return (nl < 0 ? text : text[..nl]).TrimEnd('\r');
    }

    private static string Join(string? a, string b, string separator = "\n")
        => string.IsNullOrEmpty(a) ? b : string.IsNullOrEmpty(b) ? a : ExecutorOutput.Truncate(a + separator + b);
}
