using System.Diagnostics.Metrics;

namespace Vigil.Rules;

/// <summary>
/// The rule engine's instruments (meter <c>Vigil.Server.Rules</c>, exported by the server's meter bridge as
/// <c>vigil_rule_evaluation_duration_seconds</c>, <c>vigil_rule_evaluations_total</c>,
/// <c>vigil_rule_evaluation_failures_total</c>, <c>vigil_rule_group_last_evaluation_timestamp_seconds</c>,
/// <c>vigil_rule_group_iterations_missed_total</c>).
/// </summary>
/// <remarks>Thread-safe. One per <see cref="RuleManager"/>; disposing ends the meter.</remarks>
internal sealed class RuleMetrics : IDisposable
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "Vigil.Server.Rules";

    private readonly Meter _meter;

    public RuleMetrics(Func<IEnumerable<Measurement<double>>> lastEvaluations)
    {
        _meter = new Meter(MeterName);
        EvaluationDuration = _meter.CreateHistogram<double>("vigil.rule.evaluation.duration", "s",
            "Time one rule group evaluation took, by rule_group.");
        Evaluations = _meter.CreateCounter<long>("vigil.rule.evaluations", "{evaluation}",
            "Rule evaluations, by rule_group.");
        Failures = _meter.CreateCounter<long>("vigil.rule.evaluation.failures", "{failure}",
            "Rule evaluations that failed, by rule_group.");
        MissedIterations = _meter.CreateCounter<long>("vigil.rule.group.iterations.missed", "{iteration}",
            "Group evaluations skipped because the previous one was late, by rule_group.");
        SamplesRefused = _meter.CreateCounter<long>("vigil.rule.samples.refused", "{sample}",
            "Rule results the storage refused (out of order, duplicate), by rule_group and reason.");
        _meter.CreateObservableGauge("vigil.rule.group.last_evaluation_timestamp", lastEvaluations, "s",
            "When each rule group was last evaluated (Unix seconds), by rule_group.");
    }

    public Histogram<double> EvaluationDuration { get; }

    public Counter<long> Evaluations { get; }

    public Counter<long> Failures { get; }

    public Counter<long> MissedIterations { get; }

    public Counter<long> SamplesRefused { get; }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
