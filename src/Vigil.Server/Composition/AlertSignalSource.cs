using Vigil.Core.Model;
using Vigil.Optimizer.Decider;
using Vigil.Optimizer.Model;
using Vigil.Rules;

namespace Vigil.Server.Composition;

/// <summary>Firing alerts of the rule manager as signals: type = <c>alertname</c>, severity = the <c>severity</c> label.</summary>
internal sealed class AlertSignalSource(Func<RuleManager?> rules) : IOptimizationSignalSource
{
    /// <inheritdoc />
    public IReadOnlyList<OptimizationSignal> ActiveSignals()
    {
        var manager = rules();
        if (manager is null)
        {
            return [];
        }
        var result = new List<OptimizationSignal>();
        foreach (var (rule, alert) in manager.Alerts())
        {
            if (alert.State != AlertState.Firing)
            {
                continue;
            }
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var l in alert.Labels.AsSpan())
            {
                labels[l.Name] = l.Value;
            }
            string description = alert.Annotations.Get("summary");
            if (description.Length == 0)
            {
                description = alert.Annotations.Get("description");
            }
            result.Add(new OptimizationSignal(
                OptimizationSignal.AlertSource,
                rule.Name,
                alert.Labels.Get("severity").ToLowerInvariant(),
                labels,
                alert.Value,
                Timestamp.ToDateTimeOffset(alert.FiredAtMs ?? alert.ActiveAtMs),
                description));
        }
        return result;
    }
}
