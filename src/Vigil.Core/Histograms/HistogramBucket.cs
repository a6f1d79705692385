namespace Vigil.Core.Histograms;

/// <summary>One bucket of a native histogram with its bounds: (Lower, Upper], or [Lower, Upper] for the zero bucket.</summary>
/// <param name="Lower">Lower bound.</param>
/// <param name="Upper">Upper bound.</param>
/// <param name="Count">Observations in the bucket.</param>
/// <param name="LowerInclusive">True when the lower bound belongs to the bucket (zero bucket, negative buckets).</param>
/// <param name="UpperInclusive">True when the upper bound belongs to the bucket (zero bucket, positive buckets).</param>
public readonly record struct HistogramBucket(double Lower, double Upper, double Count, bool LowerInclusive, bool UpperInclusive);
