using Vigil.Analysis.Forecasting;

namespace Vigil.Analysis.Tests;

public class ForecastTests
{
    private static double Truth(int t) => 50 + (0.05 * t) + (6 * Math.Sin(2 * Math.PI * t / 24));

    [Fact]
    public void HoltWinters_SeasonalTrend_DetectsSeasonAndForecastsWithinNoise()
    {
        var r = new Random(12);
        var history = new double[24 * 14];
        for (int t = 0; t < history.Length; t++)
        {
            history[t] = Truth(t) + (0.5 * Synthetic.Gaussian(r));
        }
        var model = HoltWinters.Fit(history);
        Assert.Equal(24, model.Period);
        var forecast = model.Forecast(48);
        double mae = 0;
        int covered = 0;
        for (int h = 1; h <= 48; h++)
        {
            int t = history.Length + h - 1;
            double actual = Truth(t) + (0.5 * Synthetic.Gaussian(r));
            mae += Math.Abs(forecast[h - 1].Value - Truth(t));
            if (actual >= forecast[h - 1].Lower && actual <= forecast[h - 1].Upper)
            {
                covered++;
            }
        }
        mae /= 48;
        Assert.True(mae < 0.6, $"mean absolute error {mae} against the noise-free model");
        Assert.True(covered >= 43, $"95% interval covered {covered}/48");
        Assert.InRange(model.ResidualStandardDeviation, 0.4, 0.7);
        Assert.True(forecast[47].Upper - forecast[47].Lower > forecast[0].Upper - forecast[0].Lower, "intervals widen with the horizon");
    }

    [Fact]
    public void HoltWinters_NoSeason_HoltLinearFollowsTrend()
    {
        var y = Synthetic.Series(200, seed: 3, level: 10, noise: 0.2, slope: 0.5);
        var model = HoltWinters.Fit(y, period: 0);
        Assert.Equal(0, model.Period);
        var f = model.Forecast(10);
        Assert.InRange(f[9].Value, 10 + (0.5 * 209) - 2, 10 + (0.5 * 209) + 2);
    }

    [Fact]
    public void HoltWinters_TooShortForSeason_ThrowsNamingSizes()
    {
        var e = Assert.Throws<ArgumentException>(() => HoltWinters.Fit(new double[30], period: 24));
        Assert.Contains("needs at least 48 values, got 30", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LinearForecast_KnownLine_RecoversCoefficientsAndIntervalCoverage()
    {
        var r = new Random(5);
        int n = 100;
        var x = new double[n];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = i;
            y[i] = 2 + (3 * i) + (4 * Synthetic.Gaussian(r));
        }
        var model = LinearForecast.Fit(x, y);
        Assert.InRange(model.Slope, 2.9, 3.1);
        Assert.InRange(model.ResidualStandardDeviation, 3.3, 4.7);
        int covered = 0;
        for (int i = 0; i < 200; i++)
        {
            double at = 100 + i;
            var p = model.Predict(at);
            double actual = 2 + (3 * at) + (4 * Synthetic.Gaussian(r));
            if (actual >= p.Lower && actual <= p.Upper)
            {
                covered++;
            }
        }
        Assert.InRange(covered, 180, 200);
        Assert.Equal((1000 - model.Intercept) / model.Slope, model.When(1000)!.Value, 9);
    }

    [Fact]
    public void LinearForecast_ExactLine_ZeroWidthInterval()
    {
        var model = LinearForecast.Fit([0.0, 1, 2, 3], [1.0, 3, 5, 7]);
        var p = model.Predict(10);
        Assert.Equal(21, p.Value, 12);
        Assert.Equal(21, p.Lower, 9);
        Assert.Equal(21, p.Upper, 9);
    }
}
