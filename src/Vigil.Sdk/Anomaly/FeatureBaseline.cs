namespace Vigil.Sdk.Anomaly;

/// <summary>The baseline of one feature: its mean, population standard deviation, percentiles and alert thresholds.</summary>
/// <param name="Feature">The feature.</param>
/// <param name="Samples">Training runs where the feature was measured.</param>
/// <param name="Mean">Mean over the training runs.</param>
/// <param name="StdDev">Population standard deviation over the training runs.</param>
/// <param name="P50">Median.</param>
/// <param name="P95">95th percentile.</param>
/// <param name="P99">99th percentile.</param>
/// <param name="Warning">Warning threshold: mean + 2σ (the detector's warning sigma).</param>
/// <param name="Critical">Critical threshold: mean + 3σ (the detector's critical sigma).</param>
public sealed record FeatureBaseline(ToolFeature Feature, int Samples, double Mean, double StdDev, double P50, double P95, double P99, double Warning, double Critical);
