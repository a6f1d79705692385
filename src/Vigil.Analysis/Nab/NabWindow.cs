namespace Vigil.Analysis.Nab;

/// <summary>A labelled anomaly window of a NAB file: both ends inclusive, compared to row timestamps for exact equality.</summary>
/// <param name="Start">The timestamp of the window's first row (time-zone-less).</param>
/// <param name="End">The timestamp of the window's last row (time-zone-less).</param>
public readonly record struct NabWindow(DateTime Start, DateTime End);
