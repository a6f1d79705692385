namespace Vigil.Analysis.Statistics;

/// <summary>A Theil–Sen trend with its Mann–Kendall significance.</summary>
/// <param name="Slope">The Theil–Sen slope: the median of the pairwise slopes (units of y per unit of x).</param>
/// <param name="Intercept">The intercept: the median of y − slope·x.</param>
/// <param name="S">The Mann–Kendall statistic: concordant minus discordant pairs.</param>
/// <param name="Tau">Kendall's tau: S divided by the number of pairs.</param>
/// <param name="Z">The normal score of S (continuity- and tie-corrected).</param>
/// <param name="PValue">The two-sided p-value of "no monotonic trend".</param>
public readonly record struct TrendResult(double Slope, double Intercept, double S, double Tau, double Z, double PValue)
{
    /// <summary>Whether the trend is significant at level <paramref name="alpha"/>.</summary>
    public bool IsSignificant(double alpha = 0.05) => PValue < alpha;
}
