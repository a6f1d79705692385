namespace Vigil.Analysis.Statistics;

/// <summary>A detected change in the mean of a series.</summary>
/// <param name="Index">The index of the point at which the change was signalled.</param>
/// <param name="Start">The estimated index where the shift began (the last time the cumulative sum was zero).</param>
/// <param name="Upward">True for a shift up, false for a shift down.</param>
/// <param name="Before">The mean of the segment before the change (the baseline the CUSUM compared with).</param>
public readonly record struct ChangePoint(int Index, int Start, bool Upward, double Before);
