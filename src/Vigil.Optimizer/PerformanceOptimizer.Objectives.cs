using System.Globalization;
using Microsoft.Extensions.Logging;
using Vigil.Core.Model;
using Vigil.Optimizer.Decider.Levers;
using Vigil.Optimizer.Lifecycle;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;

namespace Vigil.Optimizer;

/// <summary>
/// The lever decider in the loop: on every pass, for each objective of <c>optimization.objectives</c> that has no trial
/// running, read the levers' values, measure the target and constraints over the last baseline window, and either start
/// the next trial (an execution of the lever's policy, evaluated like any other) or hold the verdict.
/// </summary>
/// <remarks>
/// Conditions: trials carry an epoch; a rolled-back value is not tried again in the same epoch. A new epoch starts when
/// the target moves by more than <see cref="ConditionsShift"/> at an unchanged setting (load or a neighbour changed),
/// when a lever's value was changed outside the optimizer, or when the objective is reconfigured. Epochs live in memory:
/// after a restart every earlier trial counts as the current conditions, so nothing rolled back is retried then either.
/// </remarks>
public sealed partial class PerformanceOptimizer
{
    /// <summary>The relative move of the target at an unchanged setting that counts as changed conditions.</summary>
    public const double ConditionsShift = 0.4;

    /// <summary>The most choices an objective's status lists.</summary>
    private const int MaxChoices = 50;

    private readonly Dictionary<string, ObjectiveState> _objectiveStates = new(StringComparer.Ordinal);
    private IReadOnlyList<ObjectiveStatus> _objectiveStatuses = [];

    /// <summary>Each configured objective's status after the latest pass, in configuration order.</summary>
    public IReadOnlyList<ObjectiveStatus> Objectives() => Volatile.Read(ref _objectiveStatuses);

    /// <summary>Called after every pass over the objectives with their statuses (the host raises insights and notifications from verdicts).</summary>
    public Action<IReadOnlyList<ObjectiveStatus>>? ObjectivesEvaluated { get; set; }

    /// <summary>Runs one pass over the objectives now (the loop does this every interval) and returns their statuses.</summary>
    public async Task<IReadOnlyList<ObjectiveStatus>> DecideObjectivesAsync(CancellationToken ct = default)
    {
        await _decideLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await ObjectivesPassAsync(ct).ConfigureAwait(false);
            return Objectives();
        }
        finally
        {
            _decideLock.Release();
        }
    }

    private async Task ObjectivesPassAsync(CancellationToken ct)
    {
        var configured = Volatile.Read(ref _configured);
        var statuses = new List<ObjectiveStatus>();
        foreach (var objective in configured.Config.Objectives)
        {
            ObjectiveStatus status;
            try
            {
                status = await ObjectivePassAsync(configured, objective, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                _logger.LogWarning(e, "Objective {Objective}: the pass failed", objective.Name);
                status = Status(objective, State(objective), "error", "the pass failed: " + e.Message);
            }
            statuses.Add(status);
        }
        foreach (string gone in _objectiveStates.Keys.Where(k => configured.Config.Objectives.All(o => o.Name != k)).ToList())
        {
            _objectiveStates.Remove(gone);
        }
        Volatile.Write(ref _objectiveStatuses, statuses);
        try
        {
            ObjectivesEvaluated?.Invoke(statuses);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Objectives: the verdict hook failed");
        }
    }

    private ObjectiveState State(OptimizationObjectiveConfig objective)
    {
        if (!_objectiveStates.TryGetValue(objective.Name, out var st))
        {
            st = new ObjectiveState(objective.Seed);
            _objectiveStates[objective.Name] = st;
        }
        return st;
    }

    private async Task<ObjectiveStatus> ObjectivePassAsync(OptimizerSetup configured, OptimizationObjectiveConfig objective, CancellationToken ct)
    {
        var config = configured.Config;
        var st = State(objective);
        var now = _clock.GetUtcNow();
        string fingerprint = Fingerprint(objective);
        if (st.Fingerprint is not null && st.Fingerprint != fingerprint)
        {
            NewEpoch(objective, st, now, "the objective was reconfigured");
        }
        st.Fingerprint = fingerprint;
        if (config.Mode == OptimizationMode.Off)
        {
            return Status(objective, st, "off", "the optimizer's mode is off: set optimization.mode to recommend, approve or auto to run the lever decider");
        }
        var names = objective.Levers.ToDictionary(l => LeverAction.PolicyName(objective, l), StringComparer.Ordinal);
        var targets = objective.Levers.Select(l => l.Target).ToHashSet(StringComparer.Ordinal);
        var executions = _lifecycle.Snapshot();
        var open = executions.FirstOrDefault(e => !e.IsTerminal && (names.ContainsKey(e.Action.Policy) || (e.Status == ExecutionStatus.Running && targets.Contains(e.Action.Target))));
        if (open is not null)
        {
            return Status(objective, st, open.Status == ExecutionStatus.Pending ? "proposed" : "trial",
                open.Status == ExecutionStatus.Pending
                    ? $"{open.Action.Description} ({open.Mode.ToString().ToLowerInvariant()} mode: waiting for approval, optimization {open.Id})"
                    : $"optimization {open.Id} on {open.Action.Target} is {open.Phase.ToString().ToLowerInvariant()}", executions);
        }
        var ev = config.Evaluation;
        var leverPolicy = configured.LeverPolicies.First(p => p.Objective == objective || p.Objective?.Name == objective.Name);
        var baseline = leverPolicy.Baseline;
        var lastEnd = executions.Where(e => targets.Contains(e.Action.Target) && e.AppliedAt is not null && e.EndTime is not null)
            .Select(e => (DateTimeOffset?)e.EndTime).Max();
        // Note: the next baseline window must not see the previous trial's setting, so the rest is at least one baseline.
        var rest = config.Cooldown > baseline ? config.Cooldown : baseline;
        if (lastEnd is { } end && end + rest > now)
        {
            return Status(objective, st, "waiting", $"resting until {end + rest:HH:mm:ss} (cooldown, and a clean baseline window after the last trial)", executions);
        }

        var current = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var lever in objective.Levers)
        {
            if (!configured.Executors.TryGetValue(lever.Executor, out var executor))
            {
                return Status(objective, st, "error", $"lever {lever.Name}: no executor {lever.Executor}", executions);
            }
            string? text;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                timeout.CancelAfter(leverPolicy.Timeout);
                try
                {
                    text = await executor.CaptureAsync(LeverAction.Probe(objective, lever, now), timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is Executors.ExecutorException or HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
                {
                    return Status(objective, st, "error", $"cannot read lever {lever.Name} ({lever.Target} via {lever.Executor}): {e.Message}", executions);
                }
            }
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            {
                return Status(objective, st, "error", $"lever {lever.Name} ({lever.Target}) reads \"{text}\", not a number", executions);
            }
            current[lever.Name] = value;
        }

        var (target, samples) = await Task.Run(() => _evaluator.Median(objective.Target.Query, now - baseline, now, ev.Step, ev.Lookback, ct), ct).ConfigureAwait(false);
        bool constraintsHold = true;
        foreach (var c in objective.Constraints)
        {
            var (v, _) = await Task.Run(() => _evaluator.Median(c.Query, now - baseline, now, ev.Step, ev.Lookback, ct), ct).ConfigureAwait(false);
            constraintsHold &= v is { } x && Evaluator.ImpactEvaluator.Holds(c.Better, x, c.Limit);
        }
        st.Value = target;
        st.ConstraintsHold = constraintsHold;
        st.Current = current;
        if (target is not { } measured || samples < ev.MinSamples)
        {
            // Note: a trial needs a full baseline window, or the evaluator would judge it on missing data.
            return Status(objective, st, "waiting", string.Create(CultureInfo.InvariantCulture,
                $"{samples} values of {objective.Target.Name} in the last {PrometheusDuration.Format(baseline)}; at least {ev.MinSamples} are needed"), executions);
        }

        string setting = string.Join(",", current.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Key + "=" + LeverAction.Format(c.Value)));
        bool ours = st.SettingAt is { } since && executions.Any(e => targets.Contains(e.Action.Target) && e.EndTime > since);
        if (st.Setting is not null && setting != st.Setting && !ours)
        {
            NewEpoch(objective, st, now, $"lever values changed outside the optimizer ({st.Setting} → {setting})");
        }
        else if (st.Setting == setting && st.Reference is { } r && r != 0 && Math.Abs((measured / r) - 1) > ConditionsShift)
        {
            NewEpoch(objective, st, now, string.Create(CultureInfo.InvariantCulture,
                $"conditions changed: {objective.Target.Name} moved from {r:G4} to {measured:G4} at the same setting ({setting})"));
        }
        if (st.Setting != setting || st.Reference is null)
        {
            st.Setting = setting;
            st.SettingAt = now;
            st.Reference = measured;
        }

        var trials = LeverHistory.Trials(objective, executions, t => st.EpochStarts.Count(s => s <= t));
        double impactThreshold = objective.ImpactThreshold ?? config.ImpactThreshold;
        var d = LeverDecider.Decide(objective, current, trials, measured, constraintsHold, st.Epoch, impactThreshold, st.Random);
        st.Decision = d;
        if (d.Verdict != LeverVerdict.None)
        {
            if (st.VerdictKey != (d.Verdict, st.Epoch))
            {
                st.VerdictKey = (d.Verdict, st.Epoch);
                st.VerdictSince = now;
                _logger.LogInformation("Objective {Objective}: verdict {Verdict}: {Reason}", objective.Name, d.Verdict, d.Reason);
            }
            return Status(objective, st, "verdict", d.Reason, executions);
        }
        st.VerdictKey = null;
        st.VerdictSince = null;

        var lever2 = objective.Levers.First(l => l.Name == d.Lever);
        var policy = configured.LeverPolicies.First(p => p.Name == LeverAction.PolicyName(objective, lever2));
        int running = executions.Count(x => x.Status == ExecutionStatus.Running);
        int lastHour = executions.Count(x => x.AppliedAt > now - TimeSpan.FromHours(1));
        if (policy.Mode != OptimizationMode.Recommend && running >= config.MaxConcurrentOptimizations)
        {
            return Status(objective, st, "waiting", $"{running} optimizations are running (max_concurrent_optimizations); next: {d.Reason}", executions);
        }
        if (policy.Mode != OptimizationMode.Recommend && lastHour >= config.MaxActionsPerHour)
        {
            return Status(objective, st, "waiting", $"{lastHour} actions were applied in the last hour (max_actions_per_hour); next: {d.Reason}", executions);
        }
        double expected = d.Scores.FirstOrDefault(s => s.Lever == d.Lever)?.Sampled ?? 0;
        lock (_lifecycle.Sync)
        {
            if (_stopped)
            {
                return Status(objective, st, "waiting", "stopping", executions);
            }
            string id = NewId();
            var signal = new OptimizationSignal(LeverAction.Source, objective.Name, string.Empty,
                new Dictionary<string, string>(StringComparer.Ordinal) { ["objective"] = objective.Name }, measured, now,
                $"objective {objective.Name}: {objective.Target.Name} is {measured.ToString("G4", CultureInfo.InvariantCulture)}"
                + (objective.Threshold is { } th ? $" (threshold {th.ToString("G4", CultureInfo.InvariantCulture)})" : string.Empty));
            var e = _lifecycle.Propose(new OptimizationExecution
            {
                Id = id,
                Action = LeverAction.Build(id, objective, lever2, d.Value!.Value, d.SavesCost, expected, d.Reason, policy),
                Mode = policy.Mode,
                Status = ExecutionStatus.Pending,
                Phase = ExecutionPhase.Proposed,
                Trigger = signal,
                CreatedAt = now,
            }, policy.Mode switch
            {
                OptimizationMode.Auto => "chosen by the lever decider and started (auto mode)",
                OptimizationMode.Approve => "chosen by the lever decider; waiting for approval",
                _ => "chosen by the lever decider (recommend mode: nothing will be changed)",
            });
            if (policy.Mode == OptimizationMode.Auto)
            {
                e = _lifecycle.Transition(e.Id, ExecutionState.Capturing);
                _runner.Start(e.Id, configured.Executors[lever2.Executor], policy, ExecutionPhase.Capturing);
            }
            _logger.LogInformation("Objective {Objective}: optimization {Id} ({Mode}): {Reason}", objective.Name, e.Id, policy.Mode, d.Reason);
        }
        return Status(objective, st, "trial", d.Reason, _lifecycle.Snapshot());
    }

    private void NewEpoch(OptimizationObjectiveConfig objective, ObjectiveState st, DateTimeOffset now, string why)
    {
        st.EpochStarts.Add(now);
        st.EpochReason = why;
        st.Reference = null;
        st.VerdictKey = null;
        st.VerdictSince = null;
        _logger.LogInformation("Objective {Objective}: epoch {Epoch}: {Why}; rolled-back values may be tried again", objective.Name, st.Epoch, why);
    }

    private ObjectiveStatus Status(OptimizationObjectiveConfig objective, ObjectiveState st, string state, string detail, IReadOnlyList<OptimizationExecution>? executions = null)
    {
        var d = st.Decision;
        bool verdict = state == "verdict" && d is { Verdict: not LeverVerdict.None };
        return new ObjectiveStatus
        {
            Name = objective.Name,
            Target = objective.Target.Name,
            Query = objective.Target.Query,
            Better = objective.Target.Better,
            Threshold = objective.Threshold,
            Value = st.Value,
            ConstraintsHold = st.ConstraintsHold,
            State = state,
            Detail = detail,
            Epoch = st.Epoch,
            EpochReason = st.EpochReason,
            Verdict = verdict ? d!.Verdict : null,
            Reason = d?.Reason,
            VerdictSince = verdict ? st.VerdictSince : null,
            Escalations = verdict && d!.Verdict != LeverVerdict.Met ? Escalations(objective, d, executions ?? []) : [],
            Current = st.Current,
            Scores = d?.Scores ?? [],
            Tried = d?.Tried ?? [],
            Choices = Choices(objective, executions ?? []),
            UpdatedAt = _clock.GetUtcNow(),
        };
    }

    /// <summary>What a person could do: the recommend-mode levers, and the pending recommendations of policies on the objective's levers' services.</summary>
    private static List<string> Escalations(OptimizationObjectiveConfig objective, LeverDecision d, IReadOnlyList<OptimizationExecution> executions)
    {
        var list = new List<string>();
        foreach (string name in d.Escalate)
        {
            var l = objective.Levers.First(x => x.Name == name);
            list.Add(string.Create(CultureInfo.InvariantCulture,
                $"lever {l.Name} ({l.Target} via {l.Executor}, {l.Min}..{l.Max}) is in recommend mode: the optimizer never changes it; try it by hand or set its mode to approve or auto"));
        }
        foreach (var e in executions.Where(x => x.Status == ExecutionStatus.Pending && x.Mode == OptimizationMode.Recommend
            && x.Action.Policy.StartsWith("objective:", StringComparison.Ordinal) is false))
        {
            list.Add($"recommendation {e.Id[..Math.Min(12, e.Id.Length)]} of policy {e.Action.Policy}: {e.Action.Description}");
        }
        return list;
    }

    private static List<LeverChoice> Choices(OptimizationObjectiveConfig objective, IReadOnlyList<OptimizationExecution> executions)
    {
        string prefix = $"objective:{objective.Name}/";
        return executions.Where(e => e.Action.Policy.StartsWith(prefix, StringComparison.Ordinal))
            .OrderByDescending(e => e.CreatedAt).Take(MaxChoices)
            .Select(e =>
            {
                var p = e.Action.Parameters;
                var t = e.Evidence?.Metrics.FirstOrDefault(m => m.Role == MetricRole.Target);
                return new LeverChoice(e.Id, e.CreatedAt, p.GetValueOrDefault("lever", e.Action.Policy[prefix.Length..]), e.PreviousValue,
                    p.GetValueOrDefault("set", e.AppliedValue ?? "?"), p.GetValueOrDefault(LeverAction.PurposeParameter, LeverAction.Improve),
                    e.Action.EstimatedImpact, e.ActualImpact, t?.PValue, e.Status, e.Evidence?.Reason ?? e.Error ?? (e.Notes.Count > 0 ? e.Notes[^1].Text : string.Empty));
            }).ToList();
    }

    private static string Fingerprint(OptimizationObjectiveConfig o)
        => string.Create(CultureInfo.InvariantCulture, $"{o.Target.Query}|{o.Target.Better}|{o.Threshold}|{o.ImpactThreshold}|")
            + string.Join(";", o.Constraints.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Query}|{c.Better}|{c.Limit}")))
            + "|" + string.Join(";", o.Levers.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Name}|{l.Executor}|{l.Target}|{l.Min}|{l.Max}|{l.Step}|{l.Logarithmic}|{l.CostPerUnit}|{l.Mode}")));

    /// <summary>The decider's memory of one objective between passes (the trials themselves are the journaled executions).</summary>
    private sealed class ObjectiveState(int seed)
    {
        public Random Random { get; } = new(seed);

        public List<DateTimeOffset> EpochStarts { get; } = [];

        public int Epoch => EpochStarts.Count;

        public string? EpochReason { get; set; }

        public string? Fingerprint { get; set; }

        public string? Setting { get; set; }

        public DateTimeOffset? SettingAt { get; set; }

        public double? Reference { get; set; }

        public double? Value { get; set; }

        public bool? ConstraintsHold { get; set; }

        public IReadOnlyDictionary<string, double> Current { get; set; } = new Dictionary<string, double>();

        public LeverDecision? Decision { get; set; }

        public (LeverVerdict, int)? VerdictKey { get; set; }

        public DateTimeOffset? VerdictSince { get; set; }
    }
}
