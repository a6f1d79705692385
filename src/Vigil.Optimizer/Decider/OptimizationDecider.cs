using Microsoft.Extensions.Logging;
using Vigil.Optimizer.Executors;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;

namespace Vigil.Optimizer.Decider;

/// <summary>
/// Turns active signals into proposals: every policy that matches a signal yields a candidate action (templates rendered
/// with the signal's labels); candidates are ordered by priority, estimated impact, severity and policy order, and the
/// limits are applied — one execution per target at a time, the target's cooldown, a clean baseline since the target's
/// last change, the rollback backoff, <c>max_concurrent_optimizations</c> and the hourly budget.
/// </summary>
/// <remarks>Stateless: everything it needs is in the executions it is given (the history survives restarts). Thread-safe.</remarks>
internal sealed class OptimizationDecider(ILogger logger)
{
    private static readonly TimeSpan BudgetWindow = TimeSpan.FromHours(1);

    /// <summary>Chooses what to propose now.</summary>
    /// <param name="config">The configuration in force.</param>
    /// <param name="policies">Its compiled policies, in file order.</param>
    /// <param name="signals">The active signals.</param>
    /// <param name="executions">Every execution in the history (snapshots).</param>
    /// <param name="now">The current time.</param>
    /// <param name="newId">Makes a fresh action id.</param>
    /// <param name="runningSince">When the optimizer started: no action starts before a whole baseline window has passed since.</param>
    public List<Proposal> Decide(OptimizationConfig config, IReadOnlyList<CompiledPolicy> policies, IReadOnlyList<OptimizationSignal> signals,
        IReadOnlyList<OptimizationExecution> executions, DateTimeOffset now, Func<string> newId, DateTimeOffset? runningSince = null)
    {
        var proposals = new List<Proposal>();
        if (config.Mode == OptimizationMode.Off || signals.Count == 0)
        {
            return proposals;
        }
        var candidates = new List<(CompiledPolicy Policy, OptimizationSignal Signal, OptimizationAction Action)>();
        var seen = new HashSet<(string, string)>();
        foreach (var policy in policies)
        {
            if (policy.Mode == OptimizationMode.Off)
            {
                continue;
            }
            foreach (var signal in signals.OrderByDescending(s => SeverityRank(s.Severity)))
            {
                if (!policy.Matches(signal))
                {
                    continue;
                }
                OptimizationAction action;
                try
                {
                    action = policy.BuildAction(signal, newId());
                }
                catch (ExecutorException e)
                {
                    logger.LogWarning("Policy {Policy} cannot build its action for {Signal}: {Error}", policy.Name, signal.Type, e.Message);
                    continue;
                }
                if (seen.Add((policy.Name, action.Target)))
                {
                    candidates.Add((policy, signal, action));
                }
            }
        }
        candidates.Sort((a, b) =>
        {
            int c = b.Action.Priority.CompareTo(a.Action.Priority);
            if (c == 0)
            {
                c = b.Action.EstimatedImpact.CompareTo(a.Action.EstimatedImpact);
            }
            if (c == 0)
            {
                c = SeverityRank(b.Signal.Severity).CompareTo(SeverityRank(a.Signal.Severity));
            }
            return c != 0 ? c : a.Policy.Order.CompareTo(b.Policy.Order);
        });

        var state = new HistoryState(executions, now);
        foreach (var (policy, signal, action) in candidates)
        {
            string? reason = state.Blocker(policy, action.Target, now, config);
            if (reason is null && policy.Mode == OptimizationMode.Auto && runningSince is { } since && since + policy.Baseline > now)
            {
                // Note: after a start the storage may have a gap; a baseline window from before the start could be missing or stale.
                reason = "a baseline window has not passed since the optimizer started";
            }
            if (reason is null && policy.Mode == OptimizationMode.Auto)
            {
                if (state.Running >= config.MaxConcurrentOptimizations)
                {
                    reason = $"{state.Running} executions already running (max_concurrent_optimizations)";
                }
                else if (state.AppliedLastHour >= config.MaxActionsPerHour)
                {
                    reason = $"{state.AppliedLastHour} actions in the last hour (max_actions_per_hour)";
                }
            }
            if (reason is not null)
            {
                logger.LogDebug("Policy {Policy} on {Target}: not proposed: {Reason}", policy.Name, action.Target, reason);
                continue;
            }
            if (policy.Mode == OptimizationMode.Auto)
            {
                state.Running++;
                state.AppliedLastHour++;
                state.Busy.Add(action.Target);
            }
            state.Pending.Add((policy.Name, action.Target));
            proposals.Add(new Proposal(policy, signal, action, policy.Mode));
        }
        return proposals;
    }

    /// <summary>Orders severities: critical, error, warning, info, anything else.</summary>
    internal static int SeverityRank(string severity) => severity switch
    {
        "critical" or "page" => 4,
        "error" or "high" => 3,
        "warning" or "medium" => 2,
        "info" or "low" => 1,
        _ => 0,
    };

    /// <summary>What the history says about targets and policies.</summary>
    private sealed class HistoryState
    {
        private readonly Dictionary<string, DateTimeOffset> _lastEnd = new(StringComparer.Ordinal);
        private readonly Dictionary<string, DateTimeOffset> _lastChange = new(StringComparer.Ordinal);
        private readonly Dictionary<string, DateTimeOffset> _lastKept = new(StringComparer.Ordinal);
        private readonly Dictionary<(string Policy, string Target), DateTimeOffset> _lastRollback = new();

        public HistoryState(IReadOnlyList<OptimizationExecution> executions, DateTimeOffset now)
        {
            foreach (var e in executions)
            {
                string target = e.Action.Target;
                switch (e.Status)
                {
                    case ExecutionStatus.Running:
                        Running++;
                        Busy.Add(target);
                        break;
                    case ExecutionStatus.Pending:
                        Pending.Add((e.Action.Policy, target));
                        break;
                }
                if (e.AppliedAt is { } applied)
                {
                    if (applied > now - BudgetWindow)
                    {
                        AppliedLastHour++;
                    }
                    // Note: a kept change happened when it was applied (its observation window is a clean baseline for the
                    // next action); an undone one changed the target again when it was rolled back.
                    Max(_lastChange, target, e.Status == ExecutionStatus.Completed ? applied : e.EndTime ?? now);
                }
                if (e.StartTime is not null && e.EndTime is { } end)
                {
                    Max(_lastEnd, target, end);
                    if (e.Status == ExecutionStatus.Completed)
                    {
                        Max(_lastKept, target, end);
                    }
                    if (e.Status == ExecutionStatus.RolledBack && e.AppliedAt is not null)
                    {
                        var key = (e.Action.Policy, target);
                        if (!_lastRollback.TryGetValue(key, out var t) || end > t)
                        {
                            _lastRollback[key] = end;
                        }
                    }
                }
            }
        }

        public int Running { get; set; }

        public int AppliedLastHour { get; set; }

        public HashSet<string> Busy { get; } = new(StringComparer.Ordinal);

        public HashSet<(string Policy, string Target)> Pending { get; } = new();

        /// <summary>Why <paramref name="policy"/> may not act on <paramref name="target"/> now, or null.</summary>
        public string? Blocker(CompiledPolicy policy, string target, DateTimeOffset now, OptimizationConfig config)
        {
            if (Pending.Contains((policy.Name, target)))
            {
                return "already proposed and pending";
            }
            if (Busy.Contains(target))
            {
                return "another execution is running on the target";
            }
            if (_lastEnd.TryGetValue(target, out var end) && end + policy.Cooldown > now)
            {
                return "the target is cooling down until " + (end + policy.Cooldown).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            }
            if (_lastChange.TryGetValue(target, out var change) && change + policy.Settle + policy.Baseline > now)
            {
                return "the target changed too recently for a clean baseline window";
            }
            if (_lastRollback.TryGetValue((policy.Name, target), out var rolledBack) && rolledBack + config.RollbackBackoff > now
                && !(_lastKept.TryGetValue(target, out var kept) && kept > rolledBack))
            {
                return "the policy was rolled back on this target at " + rolledBack.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            }
            return null;
        }

        private static void Max(Dictionary<string, DateTimeOffset> map, string key, DateTimeOffset t)
        {
            if (!map.TryGetValue(key, out var old) || t > old)
            {
                map[key] = t;
            }
        }
    }
}
