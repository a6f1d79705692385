using Vigil.Analysis.Forecasting;

namespace Vigil.Analysis.Tests;

/// <summary>Time to exhaustion (<see cref="ExhaustionEstimate"/>) and step forecasts (<see cref="StepForecast"/>) on series with a known model.</summary>
public class CapacityForecastTests
{
    /// <summary>Usage = 40 + 0.01·x + N(0, 0.5²) over x = −21600 … 0 s (six hours at 60 s); the limit 100 is reached at x = 6000 s.</summary>
    private static (double[] X, double[] Y) DiskFilling(int seed)
    {
        var r = new Random(seed);
        var x = new double[361];
        var y = new double[361];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = -21_600 + (60.0 * i);
            y[i] = 40 + (0.01 * x[i]) + (0.5 * Synthetic.Gaussian(r));
        }
        return (x, y);
    }

    [Fact]
    public void Find_LinearGrowth_TrueTimeToFullInsideItsInterval()
    {
        // True model: 40 + 0.01 x reaches 100 at x = 6000 s.
        int inside = 0;
        for (int seed = 0; seed < 40; seed++)
        {
            var (x, y) = DiskFilling(seed);
            var fit = LinearForecast.Fit(x, y);
            var when = ExhaustionEstimate.Find(fit, 100, 0, 7 * 86_400);
            Assert.NotNull(when);
            Assert.InRange(when.Value.Estimate, 5_800, 6_200);
            Assert.True(when.Value.Earliest <= when.Value.Estimate && when.Value.Estimate <= when.Value.Latest, $"{when}");
            if (when.Value.Earliest <= 6000 && 6000 <= when.Value.Latest)
            {
                inside++;
            }
        }
        // Note: the band is for a new observation, so it is wider than the uncertainty of the line: coverage is high.
        Assert.True(inside >= 38, $"true time to full inside the interval for {inside} of 40 seeds");
    }

    [Fact]
    public void Find_FlatOrShrinking_Null()
    {
        var r = new Random(1);
        var x = Enumerable.Range(0, 100).Select(i => (double)i).ToArray();
        var flat = x.Select(_ => 50 + Synthetic.Gaussian(r)).ToArray();
        var shrinking = x.Select(v => 50 - (0.1 * v)).ToArray();
        var flatFit = LinearForecast.Fit(x, flat);
        Assert.True(flatFit.Slope <= 0 || ExhaustionEstimate.Find(flatFit, 100, 99, 10_000) is null || ExhaustionEstimate.Find(flatFit, 100, 99, 10_000)!.Value.Estimate > 1000);
        Assert.Null(ExhaustionEstimate.Find(LinearForecast.Fit(x, shrinking), 100, 99, 1_000_000));
    }

    [Fact]
    public void Find_BeyondHorizon_Null()
    {
        var x = Enumerable.Range(0, 100).Select(i => (double)i).ToArray();
        var y = x.Select(v => 10 + (0.1 * v)).ToArray();
        // 10 + 0.1 x reaches 100 at x = 900.
        Assert.Null(ExhaustionEstimate.Find(LinearForecast.Fit(x, y), 100, 99, 500));
        var exact = ExhaustionEstimate.Find(LinearForecast.Fit(x, y), 100, 99, 1000);
        Assert.NotNull(exact);
        Assert.Equal(900, exact.Value.Estimate, 6);
        Assert.Equal(900, exact.Value.Earliest, 3);
        Assert.Equal(900, exact.Value.Latest, 3);
    }

    [Fact]
    public void StepForecast_SeasonalSeriesWithGaps_ForecastErrorSmallAgainstKnownModel()
    {
        // 10-minute steps, daily season (144 steps), 14 days of history, every 10th step missing.
        const long step = 600_000;
        const long start = 1_700_000_000_000;
        var r = new Random(4);
        double Truth(long t) => 200 + (0.000_000_1 * (t - start)) + (30 * Math.Sin(2 * Math.PI * (t - start) / 86_400_000.0));
        var times = new List<long>();
        var values = new List<double>();
        for (int i = 0; i < 144 * 14; i++)
        {
            long t = start + (i * step);
            times.Add(t);
            values.Add(i % 10 == 3 ? double.NaN : Truth(t) + (2 * Synthetic.Gaussian(r)));
        }
        var f = StepForecast.Fit(times.ToArray(), values.ToArray(), step, 6 * 3_600_000);
        Assert.InRange(f.Model.Period, 143, 145);
        Assert.Equal(36, f.Points.Count);
        Assert.Equal(times[^1] + step, f.Points[0].TimeMs);
        double mae = f.Points.Average(p => Math.Abs(p.Value - Truth(p.TimeMs)));
        Assert.True(mae < 3, $"mean absolute error {mae} against the noise-free model (noise σ = 2)");
        int covered = f.Points.Count(p => Truth(p.TimeMs) >= p.Lower && Truth(p.TimeMs) <= p.Upper);
        Assert.True(covered >= 34, $"the true values inside the 95 % interval at {covered} of 36 points");
    }

    [Fact]
    public void StepForecast_TooFewValues_ThrowsNamingTheCount()
    {
        var e = Assert.Throws<ForecastException>(() => StepForecast.Fit([0L, 1000, 2000], [1.0, double.NaN, 2], 1000, 5000));
        Assert.Equal("a forecast needs at least 4 values, the series has 2", e.Message);
    }
}
