namespace Vigil.Sdk.Anomaly;

/// <summary>The verdict on one run against its tool's baseline (the seed's <c>detect_anomaly</c> result).</summary>
/// <param name="Tool">The tool.</param>
/// <param name="IsAnomaly">True when the forest isolates the run (score above the threshold) or a feature is beyond the critical threshold.</param>
/// <param name="Score">Isolation Forest score in [0, 1]: about 0.5 or less for ordinary runs, near 1 for outliers; NaN without a baseline.</param>
/// <param name="ScoreThreshold">The baseline's score threshold; NaN without a baseline.</param>
/// <param name="Severity">The most severe feature deviation.</param>
/// <param name="Deviations">Features beyond the warning threshold, most deviating first, with their z-scores.</param>
/// <param name="Recommendations">What to look at, in plain words.</param>
/// <param name="Reason">Why no verdict could be given (no baseline yet), else null.</param>
public sealed record AnomalyReport(
    string Tool,
    bool IsAnomaly,
    double Score,
    double ScoreThreshold,
    AnomalySeverity Severity,
    IReadOnlyList<FeatureDeviation> Deviations,
    IReadOnlyList<string> Recommendations,
    string? Reason);
