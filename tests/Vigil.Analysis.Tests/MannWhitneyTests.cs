using Vigil.Analysis.Statistics;

namespace Vigil.Analysis.Tests;

public class MannWhitneyTests
{
    // The classic two-group example (also in SciPy's documentation): U = 17, exact p = 1/9, normal approximation 0.111347.
    private static readonly double[] s_males = [19, 22, 16, 29, 24];
    private static readonly double[] s_females = [20, 11, 17, 12];

    [Fact]
    public void Test_SmallSamplesWithoutTies_ExactPValue()
    {
        var r = MannWhitney.Test(s_males, s_females);
        Assert.True(r.Exact);
        Assert.Equal(17, r.U);
        Assert.Equal(1.0 / 9.0, r.PValue, 12);
        Assert.Equal((2 * 17.0 / 20) - 1, r.RankBiserial, 12);
    }

    [Fact]
    public void Test_NormalApproximation_MatchesTextbookValue()
    {
        var r = MannWhitney.Test(s_males, s_females, allowExact: false);
        Assert.False(r.Exact);
        Assert.Equal(0.11134688653314, r.PValue, 10);
        Assert.Equal(1.59216833, r.Z, 6);
    }

    [Fact]
    public void Test_CompleteSeparation_ExactTailAndEffectMinusOne()
    {
        var r = MannWhitney.Test([1, 2, 3], [4, 5, 6]);
        Assert.Equal(0, r.U);
        Assert.Equal(0.1, r.PValue, 12); // 2 · 1/C(6,3)
        Assert.Equal(-1, r.RankBiserial);
    }

    [Fact]
    public void Test_Ties_UseMidranksAndTieCorrectedVariance()
    {
        double[] a = [1, 2, 2, 3, 3, 3, 4];
        double[] b = [3, 4, 4, 5, 5, 6, 6];
        var r = MannWhitney.Test(a, b);
        Assert.False(r.Exact);
        // Midranks: value 2 spans ranks 2–3 → 2.5, value 3 spans 4–7 → 5.5, value 4 spans 8–10 → 9.
        // A's rank sum: 1 + 2.5 + 2.5 + 3·5.5 + 9 = 31.5 → U = 31.5 − 7·8/2 = 3.5.
        Assert.Equal(3.5, r.U);
        double tie = (8 - 2) + (64 - 4) + (27 - 3) + (8 - 2) + (8 - 2); // groups of 2, 4, 3, 2, 2
        double variance = 49 / 12.0 * (15 - (tie / (14 * 13)));
        double z = (3.5 - 24.5 + 0.5) / Math.Sqrt(variance);
        Assert.Equal(z, r.Z, 10);
        Assert.True(r.PValue < 0.05);
    }

    [Fact]
    public void Test_SameDistribution_LargeSamples_NotSignificant()
    {
        var a = Synthetic.Series(200, seed: 1);
        var b = Synthetic.Series(200, seed: 2);
        var r = MannWhitney.Test(a, b);
        Assert.True(r.PValue > 0.05, $"p = {r.PValue}");
        Assert.InRange(r.RankBiserial, -0.15, 0.15);
    }

    [Fact]
    public void Test_ShiftedDistribution_Significant()
    {
        var a = Synthetic.Series(100, seed: 1, level: 10.5);
        var b = Synthetic.Series(100, seed: 2, level: 10);
        var r = MannWhitney.Test(a, b);
        Assert.True(r.PValue < 0.01, $"p = {r.PValue}");
        Assert.True(r.RankBiserial > 0.2, $"effect {r.RankBiserial}");
    }

    [Fact]
    public void ExactCdf_SumsToOneAndIsSymmetric()
    {
        Assert.Equal(1.0, MannWhitney.ExactCdf(6, 4, 24), 12);
        Assert.Equal(MannWhitney.ExactCdf(6, 4, 5), 1 - MannWhitney.ExactCdf(6, 4, 24 - 6), 12);
    }
}
