using System.Diagnostics.Metrics;
using Vigil.Optimizer.Model;

namespace Vigil.Optimizer;

/// <summary>
/// The optimizer's instruments (meter <c>Vigil.Optimizer</c>), stored like Vigil's other own metrics:
/// <c>vigil_optimization_executions_total{type,status}</c> counts executions reaching each status, and
/// <c>vigil_optimization_impact_ratio{policy,target,type}</c> is the last measured impact per policy and target.
/// </summary>
/// <remarks>Thread-safe. Disposing ends the meter.</remarks>
internal sealed class OptimizerMetrics : IDisposable
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "Vigil.Optimizer";

    private readonly Meter _meter;
    private readonly Counter<long> _executions;
    private readonly object _lock = new();
    private readonly Dictionary<(string Policy, string Target, string Type), double> _impacts = new();

    public OptimizerMetrics()
    {
        _meter = new Meter(MeterName);
        _executions = _meter.CreateCounter<long>("vigil.optimization.executions", "{execution}",
            "Optimization executions that reached a status, by action type and status.");
        _meter.CreateObservableGauge("vigil.optimization.impact", ObserveImpacts, "1",
            "The last measured impact of an optimization (relative improvement of its target metric; positive is better), by policy, target and action type.");
    }

    /// <summary>Counts <paramref name="execution"/> reaching its current status.</summary>
    public void StatusReached(OptimizationExecution execution)
        => _executions.Add(1, new KeyValuePair<string, object?>("type", execution.Action.Type.ToString()),
            new KeyValuePair<string, object?>("status", execution.Status.ToString()));

    /// <summary>Records a measured impact.</summary>
    public void ImpactMeasured(OptimizationAction action, double impact)
    {
        lock (_lock)
        {
            _impacts[(action.Policy, action.Target, action.Type.ToString())] = impact;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<double>> ObserveImpacts()
    {
        lock (_lock)
        {
            return _impacts.Select(kv => new Measurement<double>(kv.Value,
                new KeyValuePair<string, object?>("policy", kv.Key.Policy),
                new KeyValuePair<string, object?>("target", kv.Key.Target),
                new KeyValuePair<string, object?>("type", kv.Key.Type))).ToList();
        }
    }
}
