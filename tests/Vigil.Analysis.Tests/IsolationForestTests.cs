using Vigil.Analysis.Statistics;

namespace Vigil.Analysis.Tests;

public class IsolationForestTests
{
    private static double[][] Cloud(int n, int seed)
    {
        var r = new Random(seed);
        var rows = new double[n][];
        for (int i = 0; i < n; i++)
        {
            // Features on very different scales (latency ms, memory bytes, error count): standardization matters.
            rows[i] = [200 + (20 * Synthetic.Gaussian(r)), 5e8 + (1e7 * Synthetic.Gaussian(r)), Math.Abs(Synthetic.Gaussian(r))];
        }
        return rows;
    }

    [Fact]
    public void Score_ObviousOutliers_RankAboveInliers()
    {
        var forest = new IsolationForest();
        var train = Cloud(1000, 1);
        forest.Fit(train);
        Assert.Equal(3, forest.Features);
        var test = Cloud(300, 2);
        var inliers = test.Select(forest.Score).Order().ToArray();
        double inlierMax = inliers[^1];
        double inlierMean = inliers.Average();
        // Outlying in every feature: isolated faster than any inlier.
        foreach (var o in new double[][] { [600, 9e8, 12], [100, 3e8, 8] })
        {
            double s = forest.Score(o);
            Assert.True(s > inlierMax, $"outlier scored {s}, an inlier {inlierMax}");
            Assert.True(s > 0.65, $"outlier scored {s}");
        }
        // Outlying in one feature of three: only a third of the splits look at it, so it scores above the typical inlier
        // but not necessarily above inliers that are moderately extreme in several features (a known iForest trait).
        foreach (var o in new double[][] { [600, 5e8, 0.5], [200, 9e8, 0.5], [200, 5e8, 12] })
        {
            double s = forest.Score(o);
            Assert.True(s > inlierMean + 0.05, $"outlier scored {s}, the inliers' mean {inlierMean}");
        }
        Assert.InRange(inlierMean, 0.3, 0.5);
    }

    [Fact]
    public void Fit_SameSeed_SameScores()
    {
        var train = Cloud(500, 3);
        var a = new IsolationForest(seed: 7);
        var b = new IsolationForest(seed: 7);
        a.Fit(train);
        b.Fit(train);
        Assert.Equal(a.Score([250, 5.1e8, 2]), b.Score([250, 5.1e8, 2]));
    }

    [Fact]
    public void Score_WrongWidthOrUnfitted_ThrowsNamingTheProblem()
    {
        var forest = new IsolationForest();
        Assert.Throws<InvalidOperationException>(() => forest.Score([1.0]));
        forest.Fit(Cloud(50, 4));
        var e = Assert.Throws<ArgumentException>(() => forest.Score([1.0, 2.0]));
        Assert.Contains("2 features", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => forest.Fit([[1.0, 2], [1.0]]));
        Assert.Contains("row 1 has 1 features", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AveragePathLength_KnownValues()
    {
        Assert.Equal(0, IsolationForest.AveragePathLength(1));
        Assert.Equal(1, IsolationForest.AveragePathLength(2));
        // c(256) = 2(ln 255 + γ) − 2·255/256 ≈ 10.2448.
        Assert.Equal(10.2448, IsolationForest.AveragePathLength(256), 4);
    }
}
