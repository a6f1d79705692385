namespace Vigil.Sdk.Anomaly;

/// <summary>An anomalous run found by a watching <see cref="ToolAnomalyDetector"/>.</summary>
/// <param name="TimestampMs">When the run ended (milliseconds since the Unix epoch).</param>
/// <param name="Report">The detector's report.</param>
public sealed record DetectedAnomaly(long TimestampMs, AnomalyReport Report);
