namespace Vigil.Sdk.Anomaly;

/// <summary>What a watching <see cref="ToolAnomalyDetector"/> has seen of one tool: checks, the latest verdict and anomalies by severity.</summary>
/// <param name="Tool">The tool.</param>
/// <param name="Checks">Runs checked against a baseline.</param>
/// <param name="LastCheckedMs">When the latest checked run ended (milliseconds since the Unix epoch).</param>
/// <param name="LastScore">The latest run's Isolation Forest score.</param>
/// <param name="LastThreshold">The baseline's score threshold at that check.</param>
/// <param name="LastIsAnomaly">Whether the latest run was an anomaly.</param>
/// <param name="LastSeverity">The latest run's severity.</param>
/// <param name="Anomalies">Anomalies so far, indexed by <see cref="AnomalySeverity"/> (normal: flagged by the forest alone).</param>
public sealed record ToolAnomalyStatus(string Tool, long Checks, long LastCheckedMs, double LastScore, double LastThreshold, bool LastIsAnomaly,
    AnomalySeverity LastSeverity, IReadOnlyList<long> Anomalies);
