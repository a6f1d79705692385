namespace Vigil.Analysis.Nab;

/// <summary>The result of scoring a detector's outputs on a set of NAB files under one profile.</summary>
/// <param name="Profile">The profile the result was computed with.</param>
/// <param name="Threshold">The detection threshold (a row is detected when its score is at least this).</param>
/// <param name="Raw">The raw corpus score: the sum of the per-file scores.</param>
/// <param name="Normalized">The 0–100 NAB score (100 = perfect, 0 = the null detector).</param>
/// <param name="WindowsDetected">How many windows have at least one detection.</param>
/// <param name="Windows">How many windows the files have.</param>
/// <param name="FalsePositives">How many detected rows lie outside every window.</param>
public sealed record NabResult(NabProfile Profile, double Threshold, double Raw, double Normalized, int WindowsDetected, int Windows, int FalsePositives);
