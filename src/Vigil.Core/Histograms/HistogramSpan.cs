namespace Vigil.Core.Histograms;

/// <summary>
/// A run of consecutive buckets of a native histogram: the first span's <see cref="Offset"/> is the index of its first
/// bucket, every later span's offset is the gap after the previous span's end. <see cref="Length"/> buckets follow.
/// </summary>
public readonly record struct HistogramSpan(int Offset, uint Length);
