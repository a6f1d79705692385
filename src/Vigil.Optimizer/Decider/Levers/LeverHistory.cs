using System.Globalization;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;

namespace Vigil.Optimizer.Decider.Levers;

/// <summary>Reads the lever decider's trials out of the optimizer's journaled executions (the evaluator's persisted evidence).</summary>
public static class LeverHistory
{
    /// <summary>
    /// The trials of <paramref name="objective"/>'s levers: every applied execution on a lever's target whose captured and
    /// applied values are numbers (the applied value is the action's <c>set</c> parameter when the executor cannot tell), oldest first, with the kept/rolled-back verdict and the target metric's statistics.
    /// </summary>
    /// <param name="objective">The objective and its levers.</param>
    /// <param name="executions">Executions in any order (the optimizer's history).</param>
    /// <param name="epochOf">The conditions epoch an execution ran under (by its apply time).</param>
    public static List<LeverTrial> Trials(OptimizationObjectiveConfig objective, IEnumerable<OptimizationExecution> executions, Func<DateTimeOffset, int> epochOf)
    {
        ArgumentNullException.ThrowIfNull(objective);
        var byTarget = objective.Levers.ToDictionary(l => l.Target, StringComparer.Ordinal);
        var trials = new List<LeverTrial>();
        foreach (var e in executions.Where(x => x.AppliedAt is not null && x.IsTerminal).OrderBy(x => x.AppliedAt))
        {
            if (!byTarget.TryGetValue(e.Action.Target, out var lever) || !Number(e.PreviousValue, out double from) 
                || !(Number(e.AppliedValue, out double to) || (e.Action.Parameters.TryGetValue("set", out string? set) && Number(set, out to))))
            {
                continue;
            }
            var target = e.Evidence?.Metrics.FirstOrDefault(m => m.Role == MetricRole.Target);
            trials.Add(new LeverTrial(lever.Name, from, to, e.Status == ExecutionStatus.Completed, e.ActualImpact, target?.PValue, target?.EffectSize,
                target?.Baseline.Median, target?.Observation.Median, epochOf(e.AppliedAt!.Value), e.Evidence?.Reason ?? e.Error ?? e.Status.ToString()));
        }
        return trials;
    }

    private static bool Number(string? text, out double value)
        => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
}
