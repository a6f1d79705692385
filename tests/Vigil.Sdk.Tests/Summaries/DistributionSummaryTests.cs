using Vigil.Sdk.Summaries;

namespace Vigil.Sdk.Tests.Summaries;

public sealed class DistributionSummaryTests
{
    [Fact]
    public void Of_OneToHundred_MatchesNumPy()
    {
        double[] values = [.. Enumerable.Range(1, 100).Select(i => (double)(101 - i))];
        var s = DistributionSummary.Of(values);
        // np.percentile(np.arange(1, 101), [50, 95, 99]) == [50.5, 95.05, 99.01]; np.std == 28.866070047722118
        Assert.Equal(100, s.Count);
        Assert.Equal(1, s.Min);
        Assert.Equal(100, s.Max);
        Assert.Equal(50.5, s.Mean, 12);
        Assert.Equal(50.5, s.Median, 12);
        Assert.Equal(95.05, s.P95, 12);
        Assert.Equal(99.01, s.P99, 12);
        Assert.Equal(28.866070047722118, s.StdDev, 12);
        Assert.Equal(5050, s.Sum);
        Assert.Equal(100, values[0]); // the input is left in its order
    }

    [Fact]
    public void Percentile_FiveValues_InterpolatesBetweenRanks()
    {
        double[] sorted = [15, 20, 35, 40, 50];
        // np.percentile([15, 20, 35, 40, 50], [40, 0, 100, 90]) == [29, 15, 50, 46]
        Assert.Equal(29, DistributionSummary.Percentile(sorted, 40), 12);
        Assert.Equal(15, DistributionSummary.Percentile(sorted, 0));
        Assert.Equal(50, DistributionSummary.Percentile(sorted, 100));
        Assert.Equal(46, DistributionSummary.Percentile(sorted, 90), 12);
    }

    [Fact]
    public void Of_NaNAndEmpty_IgnoredAndEmpty()
    {
        var s = DistributionSummary.Of([double.NaN, 2, double.NaN, 4]);
        Assert.Equal(2, s.Count);
        Assert.Equal(3, s.Median);
        var empty = DistributionSummary.Of([double.NaN]);
        Assert.Equal(0, empty.Count);
        Assert.True(double.IsNaN(empty.P95));
    }

    [Fact]
    public void Percentile_OutOfRange_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => DistributionSummary.Percentile([1.0], 101));
        Assert.Equal("q", e.ParamName);
    }
}
