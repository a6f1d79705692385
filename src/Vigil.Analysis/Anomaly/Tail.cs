using MathNet.Numerics;

namespace Vigil.Analysis.Anomaly;

/// <summary>Maps deviations to anomaly scores in [0, 1].</summary>
internal static class Tail
{
    /// <summary>The two-sided normal tail probability P(|Z| ≥ z).</summary>
    public static double TwoSided(double z) => SpecialFunctions.Erfc(Math.Abs(z) / Math.Sqrt(2.0));

    /// <summary>A score from a tail probability: −log10(p) / <paramref name="decades"/>, capped at 1, so rarer means higher without saturating early.</summary>
    public static double FromProbability(double p, double decades)
    {
        if (!(p > 0))
        {
            return 1.0;
        }
        return Math.Clamp(-Math.Log10(p) / decades, 0.0, 1.0);
    }

    /// <summary>A monotone map of a non-negative ratio to [0, 1): r / (r + half), which is 0.5 at <paramref name="half"/>.</summary>
    public static double Ratio(double r, double half) => r <= 0 || double.IsNaN(r) ? 0.0 : double.IsPositiveInfinity(r) ? 1.0 : r / (r + half);
}
