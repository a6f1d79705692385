namespace Vigil.Sdk.Anomaly;

/// <summary>One feature of a run beyond its baseline's warning threshold.</summary>
/// <param name="Feature">The feature.</param>
/// <param name="Value">The run's value.</param>
/// <param name="BaselineMean">The baseline mean.</param>
/// <param name="BaselineStdDev">The baseline standard deviation.</param>
/// <param name="ZScore">(value − mean) / σ; ±∞ when the feature was constant in the baseline and now differs.</param>
/// <param name="Direction">Above or below the mean.</param>
/// <param name="Severity">Warning beyond 2σ, critical beyond 3σ (the detector's sigmas).</param>
public sealed record FeatureDeviation(ToolFeature Feature, double Value, double BaselineMean, double BaselineStdDev, double ZScore, DeviationDirection Direction, AnomalySeverity Severity);
