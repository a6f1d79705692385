using Microsoft.Extensions.Logging;
using Vigil.Core.Model;
using Vigil.Optimizer.Decider;
using Vigil.Optimizer.Decider.Levers;
using Vigil.Optimizer.Executors;
using Vigil.Optimizer.Lifecycle;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;

namespace Vigil.Optimizer;

/// <summary>The decision loop: building the configured executors and policies, proposing, expiring and housekeeping.</summary>
public sealed partial class PerformanceOptimizer
{
    private OptimizerSetup Build(OptimizationConfig config)
    {
        var executors = new Dictionary<string, IOptimizationExecutor>(StringComparer.Ordinal);
        var allow = new ExecutorAllowList(config.AllowedCommands, config.AllowedWebhookHosts);
        foreach (var ec in config.Executors)
        {
            IOptimizationExecutor executor = ec.Type switch
            {
                OptimizationExecutorKind.Webhook => new WebhookExecutor(ec, _http, allow),
                OptimizationExecutorKind.Command => new CommandExecutor(ec, allow),
                OptimizationExecutorKind.Tunable => new TunableExecutor(ec, _http, allow),
                OptimizationExecutorKind.Config => new ConfigExecutor(ec, _live
                    ?? throw new ArgumentException($"executor {ec.Name}: this server has no live settings to change")),
                _ => throw new ArgumentException($"executor {ec.Name}: unknown type {ec.Type}"),
            };
            if (!executors.TryAdd(ec.Name, executor))
            {
                throw new ArgumentException($"two executors are named {ec.Name}");
            }
        }
        var policies = new List<CompiledPolicy>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pc in config.Policies)
        {
            if (!names.Add(pc.Name))
            {
                throw new ArgumentException($"two policies are named {pc.Name}");
            }
            if (!executors.ContainsKey(pc.Action.Executor))
            {
                throw new ArgumentException($"policy {pc.Name}: no executor named {pc.Action.Executor}");
            }
            policies.Add(new CompiledPolicy(pc, config, policies.Count));
        }
        foreach (var objective in config.Objectives)
        {
            foreach (var lever in objective.Levers.Where(l => !executors.ContainsKey(l.Executor)))
            {
                throw new ArgumentException($"objective {objective.Name}: lever {lever.Name} names no executor {lever.Executor}");
            }
        }
        return new OptimizerSetup(config, executors, policies, LeverAction.Policies(config));
    }

    private string NewId() => Guid.CreateVersion7(_clock.GetUtcNow()).ToString("N");

    private async Task LoopAsync()
    {
        var ct = _stop.Token;
        try
        {
            // Note: the first pass waits one interval, so that rules have evaluated (and restored) their alerts after a start.
            while (await _timer!.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                await _decideLock.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    DecideOnce();
                    await ObjectivesPassAsync(ct).ConfigureAwait(false);
                    Housekeeping();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogError(e, "Optimizer pass failed");
                }
                finally
                {
                    _decideLock.Release();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopping
        }
    }

    private List<OptimizationExecution> DecideOnce()
    {
        var created = new List<OptimizationExecution>();
        var configured = Volatile.Read(ref _configured);
        if (configured.Config.Mode == OptimizationMode.Off || configured.Policies.Count == 0)
        {
            return created;
        }
        ExpirePending(configured.Config);
        var signals = new List<OptimizationSignal>();
        foreach (var source in _sources)
        {
            try
            {
                signals.AddRange(source.ActiveSignals());
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Signal source {Source} failed", source.GetType().Name);
            }
        }
        if (signals.Count == 0)
        {
            return created;
        }
        lock (_lifecycle.Sync)
        {
            if (_stopped)
            {
                return created;
            }
            var proposals = _decider.Decide(configured.Config, configured.Policies, signals, _lifecycle.Snapshot(), _clock.GetUtcNow(), NewId, _startedAt);
            foreach (var p in proposals)
            {
                var e = _lifecycle.Propose(new OptimizationExecution
                {
                    Id = NewId(),
                    Action = p.Action,
                    Mode = p.Mode,
                    Status = ExecutionStatus.Pending,
                    Phase = ExecutionPhase.Proposed,
                    Trigger = p.Signal,
                    CreatedAt = _clock.GetUtcNow(),
                }, p.Mode switch
                {
                    OptimizationMode.Auto => "proposed and started (auto mode)",
                    OptimizationMode.Approve => "proposed; waiting for approval",
                    _ => "recommended (recommend mode: nothing will be changed)",
                });
                if (p.Mode == OptimizationMode.Auto)
                {
                    e = _lifecycle.Transition(e.Id, ExecutionState.Capturing);
                    _runner.Start(e.Id, configured.Executors[p.Action.Executor], p.Policy, ExecutionPhase.Capturing);
                }
                _logger.LogInformation("Optimization {Id} ({Mode}): {Description}", e.Id, p.Mode, p.Action.Description);
                created.Add(e);
            }
        }
        return created;
    }

    private void ExpirePending(OptimizationConfig config)
    {
        lock (_lifecycle.Sync)
        {
            var now = _clock.GetUtcNow();
            foreach (var e in _lifecycle.Snapshot())
            {
                if (e.Status == ExecutionStatus.Pending && e.CreatedAt + config.PendingTtl <= now)
                {
                    _lifecycle.Transition(e.Id, ExecutionState.Rejected,
                        "expired: pending longer than pending_ttl (" + PrometheusDuration.Format(config.PendingTtl) + ")");
                }
            }
        }
    }

    /// <summary>Trims the history to <c>history_limit</c> ended executions and compacts the journal when it has grown.</summary>
    private void Housekeeping() => _lifecycle.Trim(Config.HistoryLimit);
}
