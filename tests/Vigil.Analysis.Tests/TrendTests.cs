using Vigil.Analysis.Statistics;

namespace Vigil.Analysis.Tests;

public class TrendTests
{
    [Fact]
    public void TheilSen_StrictlyIncreasing_TauOneAndExactSlope()
    {
        var r = Trend.TheilSen([1.0, 3, 5, 7, 9, 11]);
        Assert.Equal(2.0, r.Slope);
        Assert.Equal(1.0, r.Intercept);
        Assert.Equal(15, r.S);
        Assert.Equal(1.0, r.Tau);
        // n = 6: var(S) = 6·5·17/18 = 28.333; z = (15 − 1)/√28.333 = 2.630142; p = 0.008535.
        Assert.Equal(2.630142, r.Z, 1e-6);
        Assert.Equal(0.008535, r.PValue, 1e-6);
    }

    [Fact]
    public void TheilSen_NoisyTrendWithOutliers_RobustSlopeAndSignificant()
    {
        var y = Synthetic.Series(300, seed: 4, level: 50, noise: 2, slope: 0.05);
        y[100] = 500;
        y[200] = -400;
        var r = Trend.TheilSen(y);
        Assert.InRange(r.Slope, 0.045, 0.055);
        Assert.True(r.IsSignificant(0.001), $"p = {r.PValue}");
    }

    [Fact]
    public void TheilSen_PureNoise_NotSignificant()
    {
        var r = Trend.TheilSen(Synthetic.Series(300, seed: 8));
        Assert.False(r.IsSignificant(), $"p = {r.PValue}");
    }

    [Fact]
    public void TheilSen_DecreasingWithTimestamps_NegativeSlopePerSecond()
    {
        double[] x = [0, 15, 30, 60, 75, 90];
        double[] y = [100, 97, 94, 88, 85, 82];
        var r = Trend.TheilSen(x, y);
        Assert.Equal(-0.2, r.Slope, 12);
        Assert.True(r.Z < 0);
    }

    [Fact]
    public void Seasonality_SineWithNoise_FindsPeriod()
    {
        var found = Seasonality.Detect(Synthetic.Series(480, seed: 2, noise: 1, amplitude: 5, period: 24));
        Assert.Equal(24, found.Period);
        Assert.True(found.Strength > 0.5);
    }

    [Fact]
    public void Seasonality_TrendPlusSeason_FindsPeriodDespiteTrend()
    {
        var found = Seasonality.Detect(Synthetic.Series(600, seed: 3, noise: 0.5, amplitude: 4, period: 50, slope: 0.2));
        Assert.Equal(50, found.Period);
    }

    [Fact]
    public void Seasonality_WhiteNoise_NoSeason()
    {
        var found = Seasonality.Detect(Synthetic.Series(600, seed: 5));
        Assert.False(found.HasSeason);
    }

    [Fact]
    public void Cusum_LevelShift_SignalledShortlyAfterWithStart()
    {
        var y = Synthetic.Series(400, seed: 6);
        for (int i = 250; i < y.Length; i++)
        {
            y[i] += 2;
        }
        // Note: h = 8σ keeps false alarms rare over 400 points (h = 5 alarms about every 230 points on noise when the
        // baseline is estimated from 30 points); a 2σ shift is still caught within a few points.
        var changes = Cusum.Detect(y, k: 0.5, h: 8);
        var first = Assert.Single(changes, c => c.Index >= 200 && c.Index < 300);
        Assert.True(first.Upward);
        Assert.InRange(first.Index, 250, 265);
        Assert.InRange(first.Start, 240, 256);
        Assert.Equal(100, first.Before, 0);
        Assert.DoesNotContain(changes, c => c.Index < 250);
    }
}
