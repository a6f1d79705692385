using Vigil.Analysis.Insights;
using Vigil.Optimizer;
using Vigil.Optimizer.Model;

namespace Vigil.Server.Composition;

/// <summary>
/// The analysis's view of the optimizer's journal: for an action type and a component, the finished executions of that
/// type whose target or trigger names the component, their median measured impact and the share that failed or were
/// rolled back. The host gives it to the analysis, which does not reference the optimizer.
/// </summary>
internal sealed class OptimizerActionHistory(Func<PerformanceOptimizer?> optimizer) : IActionHistory
{
    /// <inheritdoc />
    public MeasuredAction? Find(OptimizationActionType type, string component)
        => optimizer() is { } o ? Measure(o.Executions(), type, component) : null;

    /// <summary>The measured outcome of <paramref name="type"/> on <paramref name="component"/> among <paramref name="executions"/>, or null when none finished.</summary>
    internal static MeasuredAction? Measure(IEnumerable<OptimizationExecution> executions, OptimizationActionType type, string component)
    {
        var impacts = new List<double>();
        int finished = 0, failed = 0;
        foreach (var e in executions)
        {
            if (e.Action.Type != type || !e.IsTerminal || e.Status == ExecutionStatus.Rejected || !Names(e, component))
            {
                continue;
            }
            finished++;
            if (e.Status is ExecutionStatus.Failed or ExecutionStatus.RolledBack)
            {
                failed++;
            }
            if (e.ActualImpact is { } impact && double.IsFinite(impact))
            {
                impacts.Add(impact);
            }
        }
        if (finished == 0)
        {
            return null;
        }
        impacts.Sort();
        double median = impacts.Count == 0 ? double.NaN
            : impacts.Count % 2 == 1 ? impacts[impacts.Count / 2] : (impacts[(impacts.Count / 2) - 1] + impacts[impacts.Count / 2]) / 2;
        return new MeasuredAction(finished, median, (double)failed / finished);
    }

    private static bool Names(OptimizationExecution e, string component)
    {
        if (component.Length == 0)
        {
            return false;
        }
        string target = e.Action.Target;
        if (target == component || target.StartsWith(component + "/", StringComparison.Ordinal))
        {
            return true;
        }
        return e.Trigger is { } t && (t.Labels.TryGetValue("instance", out string? i) && i == component || t.Labels.TryGetValue("job", out string? j) && j == component);
    }
}
