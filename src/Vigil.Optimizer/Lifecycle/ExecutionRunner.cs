using Microsoft.Extensions.Logging;
using Vigil.Core.Model;
using Vigil.Optimizer.Decider;
using Vigil.Optimizer.Decider.Levers;
using Vigil.Optimizer.Evaluator;
using Vigil.Optimizer.Executors;
using Vigil.Optimizer.History;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;

namespace Vigil.Optimizer.Lifecycle;

/// <summary>
/// Drives one execution through the life cycle: capture, apply, settle, observe, evaluate, keep or roll back. Every step
/// is a transition of <see cref="ExecutionLifecycle"/>, so the journal always says where to continue after a crash.
/// </summary>
/// <remarks>Thread-safe. The tasks stop where they are when the optimizer's stop token fires.</remarks>
internal sealed class ExecutionRunner
{
    private readonly ExecutionLifecycle _lifecycle;
    private readonly ImpactEvaluator _evaluator;
    private readonly OptimizerMetrics _metrics;
    private readonly Func<AuditLog> _audit;
    private readonly Func<OptimizationConfig> _config;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly CancellationToken _stop;
    private readonly Dictionary<string, Run> _runs = new(StringComparer.Ordinal);

    public ExecutionRunner(ExecutionLifecycle lifecycle, ImpactEvaluator evaluator, OptimizerMetrics metrics, Func<AuditLog> audit,
        Func<OptimizationConfig> config, TimeProvider clock, ILogger logger, CancellationToken stop)
    {
        _lifecycle = lifecycle;
        _evaluator = evaluator;
        _metrics = metrics;
        _audit = audit;
        _config = config;
        _clock = clock;
        _logger = logger;
        _stop = stop;
    }

    /// <summary>The tasks of the executions being driven now.</summary>
    public Task[] Running()
    {
        lock (_lifecycle.Sync)
        {
            return [.. _runs.Values.Select(r => r.Task)];
        }
    }

    /// <summary>The task driving execution <paramref name="id"/>, or null.</summary>
    public Task? TaskOf(string id)
    {
        lock (_lifecycle.Sync)
        {
            return _runs.TryGetValue(id, out var r) ? r.Task : null;
        }
    }

    /// <summary>
    /// Interrupts the waiting of running execution <paramref name="id"/> so it rolls back, as <paramref name="actor"/> asked;
    /// false when it is not being driven or already rolling back.
    /// </summary>
    public bool AskRollback(string id, string actor)
    {
        lock (_lifecycle.Sync)
        {
            if (!_runs.TryGetValue(id, out var run) || _lifecycle.Get(id).Phase == ExecutionPhase.RollingBack)
            {
                return false;
            }
            run.RollbackBy = actor;
            _lifecycle.Record(id, "rollback asked by " + actor);
            run.Abort.Cancel();
            return true;
        }
    }

    /// <summary>Starts the task that drives execution <paramref name="id"/> from its current state.</summary>
    /// <param name="id">The execution (already journaled as capturing, settling/observing/evaluating, or rolling back).</param>
    /// <param name="executor">The executor it started with.</param>
    /// <param name="policy">The policy (windows and metrics); null when only a rollback remains or the policy is gone.</param>
    /// <param name="from">Capturing, Settling (resume after a restart) or RollingBack.</param>
    public void Start(string id, IOptimizationExecutor executor, CompiledPolicy? policy, ExecutionPhase from)
    {
        lock (_lifecycle.Sync)
        {
            var run = new Run();
            _runs[id] = run;
            run.Task = Task.Run(async () =>
            {
                try
                {
                    await RunAsync(id, executor, policy, from, run).ConfigureAwait(false);
                }
                finally
                {
                    lock (_lifecycle.Sync)
                    {
                        _runs.Remove(id);
                    }
                    run.Abort.Dispose();
                }
            });
        }
    }

    private async Task RunAsync(string id, IOptimizationExecutor executor, CompiledPolicy? policy, ExecutionPhase from, Run run)
    {
        try
        {
            if (from == ExecutionPhase.RollingBack)
            {
                await RollbackAsync(id, executor, ExecutionState.RolledBack, null).ConfigureAwait(false);
                return;
            }
            if (from == ExecutionPhase.Capturing && !await CaptureAndApplyAsync(id, executor, run).ConfigureAwait(false))
            {
                return;
            }
            if (policy is null)
            {
                await RollbackAsync(id, executor, ExecutionState.RolledBack,
                    $"policy {_lifecycle.Get(id).Action.Policy} is no longer configured, so the change cannot be evaluated").ConfigureAwait(false);
                return;
            }
            var plan = Plan(_lifecycle.Get(id), policy);
            if (!await WaitUntilAsync(plan.ObservationStart, run).ConfigureAwait(false))
            {
                await RollbackAsync(id, executor, ExecutionState.RolledBack, "rolled back as asked by " + run.RollbackBy).ConfigureAwait(false);
                return;
            }
            Advance(id, ExecutionState.Observing);
            // Note: one extra step lets the last samples of the window reach storage before it is queried.
            if (!await WaitUntilAsync(plan.ObservationEnd + plan.Step, run).ConfigureAwait(false))
            {
                await RollbackAsync(id, executor, ExecutionState.RolledBack, "rolled back as asked by " + run.RollbackBy).ConfigureAwait(false);
                return;
            }
            Advance(id, ExecutionState.Evaluating);
            var evidence = await Task.Run(() => _evaluator.Evaluate(plan, _stop), _stop).ConfigureAwait(false);
            var e = _lifecycle.Get(id);
            if (evidence.Impact is { } impact)
            {
                _metrics.ImpactMeasured(e.Action, impact);
            }
            if (evidence.Keep && run.RollbackBy is null)
            {
                _lifecycle.Transition(id, ExecutionState.Kept, "kept: " + evidence.Reason,
                    x => x with { Evidence = evidence, ActualImpact = evidence.Impact });
                _logger.LogInformation("Optimization {Id} on {Target} kept: {Reason}", id, e.Action.Target, evidence.Reason);
                return;
            }
            _lifecycle.Record(id, change: x => x with { Evidence = evidence, ActualImpact = evidence.Impact });
            string why = run.RollbackBy is { } by ? "rolled back as asked by " + by : "evaluation: " + evidence.Reason;
            _logger.LogInformation("Optimization {Id} on {Target} rolled back: {Reason}", id, e.Action.Target, why);
            await RollbackAsync(id, executor, ExecutionState.RolledBack, why).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Note: stopping; the journal holds the phase, and the next start resumes or rolls back from there.
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Optimization {Id} failed unexpectedly", id);
            Func<OptimizationExecution, OptimizationExecution> error = x => x with
            {
                Error = "internal error: " + ex.Message + (x.AppliedAt is null ? string.Empty : $"; {x.Action.Target} may still be changed (it was {x.PreviousValue ?? "unknown"})"),
            };
            lock (_lifecycle.Sync)
            {
                if (_lifecycle.Get(id).IsTerminal)
                {
                    _lifecycle.Record(id, change: error);
                }
                else
                {
                    _lifecycle.Transition(id, ExecutionState.Failed, change: error);
                }
            }
        }
    }

    /// <summary>
    /// Moves a running execution forward to <paramref name="to"/> (observing or evaluating) unless it is already there or
    /// past it: an execution resumed after a restart re-enters the steps at settling but keeps the phase it had reached.
    /// </summary>
    private void Advance(string id, ExecutionState to)
    {
        lock (_lifecycle.Sync)
        {
            var phase = _lifecycle.Get(id).Phase;
            if (phase >= to.Phase)
            {
                return;
            }
            _lifecycle.Transition(id, to);
        }
    }

    /// <summary>Captures, then applies; false when the execution ended (capture or apply failed, nothing to change, rollback asked).</summary>
    private async Task<bool> CaptureAndApplyAsync(string id, IOptimizationExecutor executor, Run run)
    {
        string? previous;
        try
        {
            previous = await CallAsync(id, "capture", (x, ct) => executor.CaptureAsync(x, ct)).ConfigureAwait(false);
        }
        catch (ExecutorException ex)
        {
            _lifecycle.Transition(id, ExecutionState.Failed,
                change: x => x with { Error = "capture failed (nothing was changed): " + ex.Message, Output = ex.Output });
            _logger.LogWarning("Optimization {Id}: capture failed: {Error}", id, ex.Message);
            return false;
        }
        _lifecycle.Transition(id, ExecutionState.Applying, change: x => x with { PreviousValue = previous });
        if (run.RollbackBy is { } by)
        {
            _lifecycle.Transition(id, ExecutionState.Rejected, "not applied: " + by + " asked for a rollback before the change");
            return false;
        }
        ExecutorResult applied;
        try
        {
            applied = await CallAsync(id, "apply", (x, ct) => executor.ApplyAsync(x, ct)).ConfigureAwait(false);
        }
        catch (ExecutorException ex)
        {
            _lifecycle.Record(id, change: x => x with { Error = "apply failed: " + ex.Message, Output = ex.Output });
            _logger.LogWarning("Optimization {Id}: apply failed: {Error}; rolling back", id, ex.Message);
            await RollbackAsync(id, executor, ExecutionState.Failed, "the executor failed; rolling back in case it changed something").ConfigureAwait(false);
            return false;
        }
        if (!applied.Changed)
        {
            _lifecycle.Transition(id, ExecutionState.Rejected, "nothing to change: " + applied.Output, x => x with { Output = applied.Output });
            return false;
        }
        var e = _lifecycle.Transition(id, ExecutionState.Settling, "applied: " + Text.FirstLine(applied.Output),
            x => x with { AppliedAt = _clock.GetUtcNow(), AppliedValue = applied.Value, Output = applied.Output });
        _logger.LogInformation("Optimization {Id} applied to {Target}: {Output}", id, e.Action.Target, Text.FirstLine(applied.Output));
        return true;
    }

    /// <summary>Restores the captured value and ends the execution in <paramref name="end"/> (failed when the rollback fails).</summary>
    private async Task RollbackAsync(string id, IOptimizationExecutor executor, ExecutionState end, string? reason)
    {
        _lifecycle.Transition(id, ExecutionState.RollingBack, reason is null ? null : "rolling back: " + reason);
        try
        {
            var result = await CallAsync(id, "rollback", (x, ct) => executor.RollbackAsync(x, ct)).ConfigureAwait(false);
            _lifecycle.Transition(id, end, "rolled back: " + Text.FirstLine(result.Output), x => x with { Output = Text.Join(x.Output, result.Output) });
        }
        catch (ExecutorException ex)
        {
            var e = _lifecycle.Transition(id, ExecutionState.Failed, change: x => x with
            {
                Error = Text.Join(x.Error, "rollback failed: " + ex.Message + "; " + $"{x.Action.Target} may still be changed (it was {x.PreviousValue ?? "not captured"})", "; "),
                Output = Text.Join(x.Output, ex.Output),
            });
            _logger.LogError("Optimization {Id}: rollback of {Target} failed: {Error}", id, e.Action.Target, ex.Message);
        }
    }

    /// <summary>Runs an executor call on the current version with the action's timeout; a timeout becomes an <see cref="ExecutorException"/>.</summary>
    private async Task<T> CallAsync<T>(string id, string what, Func<OptimizationExecution, CancellationToken, Task<T>> call)
    {
        var e = _lifecycle.Get(id);
        var timeout = e.Action.Timeout > TimeSpan.Zero ? e.Action.Timeout : _config().OptimizationTimeout;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop);
        cts.CancelAfter(timeout);
        try
        {
            var result = await call(e, cts.Token).ConfigureAwait(false);
            AuditCall(e, what, "ok", result switch
            {
                ExecutorResult r => Text.FirstLine(r.Output),
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
            throw new OperationCanceledException("stopping", ex, _stop);
        }
    }

    /// <summary>Records an executor call in the audit log.</summary>
    private void AuditCall(OptimizationExecution e, string what, string result, string detail)
        => _audit().Append(new AuditEntry(_clock.GetUtcNow(), AuditEntry.OptimizerPrincipal, "execution", what, e.Id, result, detail)
        {
            Executor = e.Action.Executor,
            Policy = e.Action.Policy,
            Target = e.Action.Target,
        });

    /// <summary>Waits until <paramref name="until"/>; false when a user asked for a rollback meanwhile. Throws when the optimizer stops.</summary>
    private async Task<bool> WaitUntilAsync(DateTimeOffset until, Run run)
    {
        if (run.RollbackBy is not null)
        {
            return false;
        }
        var delay = until - _clock.GetUtcNow();
        if (delay <= TimeSpan.Zero)
        {
            return true;
        }
        using var both = CancellationTokenSource.CreateLinkedTokenSource(_stop, run.Abort.Token);
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
        var ev = _config().Evaluation;
        var start = e.StartTime ?? e.CreatedAt;
        var applied = e.AppliedAt ?? start;
        return new EvaluationPlan
        {
            Target = policy.Config.Target,
            Guardrails = policy.Guardrails,
            Constraints = policy.Objective?.Constraints ?? [],
            KeepWhileMeets = policy.Objective is { Threshold: { } threshold } && e.Action.Parameters.TryGetValue(LeverAction.PurposeParameter, out string? purpose)
                && purpose == LeverAction.Cheaper ? threshold : null,
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

    /// <summary>A running execution's task and the means to interrupt its waiting for a user's rollback.</summary>
    private sealed class Run
    {
        public CancellationTokenSource Abort { get; } = new();

        public string? RollbackBy { get; set; }

        public Task Task { get; set; } = Task.CompletedTask;
    }
}
