namespace Vigil.Analysis.Statistics;

/// <summary>The outcome of seasonality detection.</summary>
/// <param name="Period">The season length in points, or 0 when no season was found.</param>
/// <param name="Strength">The autocorrelation at <paramref name="Period"/> (0 when none), in [−1, 1].</param>
public readonly record struct SeasonalityResult(int Period, double Strength)
{
    /// <summary>Whether a season was found.</summary>
    public bool HasSeason => Period > 0;
}
