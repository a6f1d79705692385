using Vigil.Sdk.Adaptive;
using Vigil.Sdk.Exposition;
using Vigil.Sdk.Tests.TestSupport;

namespace Vigil.Sdk.Tests.Adaptive;

public sealed class DemandPredictorTests
{
    [Fact]
    public void Analyze_DominantShareAboveThreshold_IsIntensive()
    {
        var p = DemandPredictor.Analyze(new Dictionary<string, double> { ["cpu"] = 3, ["memory"] = 1 });
        Assert.Equal(4, p.TotalLoad);
        Assert.Equal(0.75, p.Distribution["cpu"]);
        Assert.Equal(0.25, p.Distribution["memory"]);
        Assert.Equal(("cpu", "cpu_intensive"), (p.DominantResource, p.LoadType));
    }

    [Fact]
    public void Analyze_NoShareAboveThreshold_IsBalanced_ZeroLoadToo()
    {
        var p = DemandPredictor.Analyze(new Dictionary<string, double> { ["cpu"] = 0.5, ["memory"] = 0.4, ["network"] = 0.3 });
        var zero = DemandPredictor.Analyze(new Dictionary<string, double> { ["cpu"] = 0, ["network"] = 0 });
        Assert.Equal(("cpu", "balanced"), (p.DominantResource, p.LoadType));
        Assert.Equal(("cpu", "balanced", 0.0), (zero.DominantResource, zero.LoadType, zero.Distribution["network"]));
    }

    [Fact]
    public void Analyze_BadLoads_ClearErrors()
    {
        Assert.Throws<ArgumentException>(() => DemandPredictor.Analyze(new Dictionary<string, double>()));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => DemandPredictor.Analyze(new Dictionary<string, double> { ["cpu"] = -1 }));
        Assert.Contains("the load of resource cpu must be finite and not negative", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => DemandPredictor.Analyze(new Dictionary<string, double> { ["io"] = double.NaN }));
    }

    [Fact]
    public void Observe_NoHistory_CurrentSharesWithTheSeedsPriors()
    {
        using var predictor = Create();
        var f = predictor.Observe("search", new Dictionary<string, double> { ["cpu"] = 1, ["io"] = 1 });
        Assert.Equal(0, f.HistoryUsed);
        Assert.Equal(0.5, f.PredictedDemand["cpu"]);
        Assert.Equal(0.5, f.PredictedDemand["io"]);
        Assert.Equal(0.3, f.PredictedDemand["memory"]);
        Assert.Equal(0.2, f.PredictedDemand["network"]);
    }

    [Fact]
    public void Observe_WithHistory_ExponentiallyWeightedThenBlendedWithCurrent()
    {
        using var predictor = Create();
        predictor.Observe("search", new Dictionary<string, double> { ["cpu"] = 2, ["memory"] = 8 });
        predictor.Observe("search", new Dictionary<string, double> { ["cpu"] = 8, ["memory"] = 2 });
        var f = predictor.Observe("search", new Dictionary<string, double> { ["cpu"] = 5, ["memory"] = 5 });

        // History oldest first: cpu 0.2 then 0.8, weighted e^-1 and e^0; then 70 % history, 30 % current 0.5.
        double w0 = Math.Exp(-1) / (Math.Exp(-1) + 1);
        double history = (w0 * 0.2) + ((1 - w0) * 0.8);
        Assert.Equal(2, f.HistoryUsed);
        Assert.Equal((0.7 * history) + (0.3 * 0.5), f.PredictedDemand["cpu"], precision: 12);
        Assert.Equal(1.0, f.PredictedDemand["cpu"] + f.PredictedDemand["memory"], precision: 12);
        Assert.True(f.PredictedDemand["cpu"] > 0.5, "recent CPU-heavy history pulls the prediction up");
    }

    [Fact]
    public void Observe_HistoryIsBoundedToTheLastTen()
    {
        using var predictor = Create();
        for (int i = 0; i < 25; i++)
        {
            predictor.Observe("t", new Dictionary<string, double> { ["cpu"] = i < 15 ? 0 : 1, ["memory"] = i < 15 ? 1 : 0 });
        }
        var f = predictor.Observe("t", new Dictionary<string, double> { ["cpu"] = 1, ["memory"] = 0 });
        Assert.Equal(10, f.HistoryUsed);
        Assert.Equal(1.0, f.PredictedDemand["cpu"], precision: 12);
    }

    [Fact]
    public void Metrics_SharesAndPredictions()
    {
        using var predictor = Create();
        using var metrics = new VigilMetrics();
        metrics.AddMeter(predictor.Meter.Name);
        predictor.Observe("search", new Dictionary<string, double> { ["cpu"] = 3, ["memory"] = 1 });

        var m = Scrape.Parse(metrics.ToArray());

        Assert.Equal(0.75, m["vigil_load_share{resource=\"cpu\",scope=\"search\"}"]);
        Assert.Equal(0.75, m["vigil_load_predicted_demand{resource=\"cpu\",scope=\"search\"}"]);
        Assert.Equal(0.2, m["vigil_load_predicted_demand{resource=\"network\",scope=\"search\"}"]);
    }

    private static DemandPredictor Create() => new(new DemandPredictorOptions { MeterName = "Test.Load." + Guid.NewGuid().ToString("N") });
}
