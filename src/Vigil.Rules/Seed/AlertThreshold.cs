namespace Vigil.Rules.Seed;

/// <summary>One entry of <c>performance_collection.alert_thresholds</c>: warning and critical levels for a metric.</summary>
public sealed class AlertThreshold
{
    /// <summary>The level of the <c>severity="warning"</c> alert.</summary>
    public double WarningThreshold { get; init; }

    /// <summary>The level of the <c>severity="critical"</c> alert.</summary>
    public double CriticalThreshold { get; init; }

    /// <summary>The comparison.</summary>
    public ThresholdOperator Operator { get; init; } = ThresholdOperator.GreaterThan;

    /// <summary>
    /// Hysteresis as a fraction of each threshold (Vigil's extension, key <c>hysteresis</c>): a firing alert clears only
    /// once the value is back past the threshold by this margin. 0.1 (10 %) by default.
    /// </summary>
    public double Hysteresis { get; init; } = 0.1;

    /// <summary>How long the condition must hold before the alert fires (Vigil's extension, key <c>for</c>); 0 by default.</summary>
    public TimeSpan For { get; init; }
}
