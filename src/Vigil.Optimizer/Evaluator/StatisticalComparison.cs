namespace Vigil.Optimizer.Evaluator;

/// <summary>The result of comparing an observation sample with a baseline sample.</summary>
/// <param name="U">The Mann–Whitney U of the observation sample.</param>
/// <param name="PValue">The two-sided p-value of "both come from the same distribution".</param>
/// <param name="EffectSize">The rank-biserial correlation in [−1, 1], positive when observation values tend to be larger.</param>
public readonly record struct StatisticalComparison(double U, double PValue, double EffectSize);
