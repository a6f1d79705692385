namespace Vigil.Analysis.Statistics;

/// <summary>The result of a two-sided Mann–Whitney U test of sample A against sample B.</summary>
/// <param name="U">U for sample A: the number of (a, b) pairs with a &gt; b, ties counting one half.</param>
/// <param name="Z">The normal score of U (tie- and continuity-corrected); 0 when the exact test was used and there is no spread.</param>
/// <param name="PValue">The two-sided p-value.</param>
/// <param name="RankBiserial">The rank-biserial correlation 2U/(n_a·n_b) − 1, in [−1, 1]: positive when A tends to be larger.</param>
/// <param name="Exact">Whether the p-value is exact (small samples without ties) rather than the normal approximation.</param>
public readonly record struct MannWhitneyResult(double U, double Z, double PValue, double RankBiserial, bool Exact);
