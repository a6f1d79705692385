using Vigil.Sdk.Anomaly;
using Vigil.Sdk.Profiling;

namespace Vigil.Sdk.Tests.Anomaly;

public sealed class DeviationAnalysisTests
{
    /// <summary>Durations 0.09, 0.10, 0.11 repeated: mean 0.1, population σ = sqrt(2/3)·0.01.</summary>
    private static List<ToolRun> History()
    {
        var runs = new List<ToolRun>();
        for (int i = 0; i < 30; i++)
        {
            double d = 0.09 + (0.01 * (i % 3));
            runs.Add(new ToolRun { Tool = "t", DurationSeconds = d, CpuSeconds = d * 0.9, AllocatedBytes = 10_000 + (1000 * (i % 3)), CacheHits = 4, CacheMisses = i % 2 });
        }
        return runs;
    }

    [Fact]
    public void Compute_KnownHistory_MeanStdPercentilesAndThresholds()
    {
        var b = DeviationAnalysis.Compute(History(), 2, 3);
        var duration = b[(int)ToolFeature.Duration];
        double sigma = Math.Sqrt(2.0 / 3.0) * 0.01;
        Assert.Equal(30, duration.Samples);
        Assert.Equal(0.1, duration.Mean, 12);
        Assert.Equal(sigma, duration.StdDev, 12);
        Assert.Equal(0.1, duration.P50, 12);
        Assert.Equal(0.11, duration.P99, 12);
        Assert.Equal(0.1 + (2 * sigma), duration.Warning, 12);
        Assert.Equal(0.1 + (3 * sigma), duration.Critical, 12);
        Assert.Equal(0, b[(int)ToolFeature.Errors].StdDev);
        Assert.Equal(4, b[(int)ToolFeature.CacheHits].Mean);
    }

    [Fact]
    public void Analyze_SlowRunNormalCpu_DurationCriticalWithZScore()
    {
        var b = DeviationAnalysis.Compute(History(), 2, 3);
        double sigma = Math.Sqrt(2.0 / 3.0) * 0.01;
        Span<double> run = [0.1 + (2.5 * sigma), 0.09, 11_000, 0, 4, 0];
        var deviations = DeviationAnalysis.Analyze(run, b, 2, 3);
        var d = Assert.Single(deviations);
        Assert.Equal(ToolFeature.Duration, d.Feature);
        Assert.Equal(2.5, d.ZScore, 9);
        Assert.Equal(AnomalySeverity.Warning, d.Severity);
        Assert.Equal(DeviationDirection.Increase, d.Direction);

        run[0] = 0.1 + (3.5 * sigma);
        Assert.Equal(AnomalySeverity.Critical, DeviationAnalysis.Analyze(run, b, 2, 3)[0].Severity);
        var advice = Recommendations.For(DeviationAnalysis.Analyze(run, b, 2, 3), forestAnomaly: false);
        Assert.Contains(advice, a => a.Contains("waiting, not computing", StringComparison.Ordinal) && a.Contains("against a baseline of 100 ms", StringComparison.Ordinal));
    }

    [Fact]
    public void Analyze_FailureOfNeverFailingTool_InfiniteZCritical()
    {
        var b = DeviationAnalysis.Compute(History(), 2, 3);
        Span<double> run = [0.1, 0.09, 11_000, 1, 4, 0];
        var d = Assert.Single(DeviationAnalysis.Analyze(run, b, 2, 3));
        Assert.Equal(ToolFeature.Errors, d.Feature);
        Assert.Equal(double.PositiveInfinity, d.ZScore);
        Assert.Equal(AnomalySeverity.Critical, d.Severity);
        Assert.Contains("failed where the tool's baseline succeeds", Assert.Single(Recommendations.For([d], false)), StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_UnmeasuredCpu_Skipped()
    {
        var b = DeviationAnalysis.Compute(History(), 2, 3);
        Span<double> run = [0.1, double.NaN, 11_000, 0, 4, 0];
        Assert.Empty(DeviationAnalysis.Analyze(run, b, 2, 3));
        Assert.Equal(["Performance is within the baseline; keep monitoring."], Recommendations.For([], false));
    }

    [Fact]
    public void Recommendations_SlowAndCpuHeavyAndAllocating_ComputeAndMemoryAdvice()
    {
        var b = DeviationAnalysis.Compute(History(), 2, 3);
        Span<double> run = [0.5, 0.45, 5 * 1024 * 1024, 0, 4, 0];
        var deviations = DeviationAnalysis.Analyze(run, b, 2, 3);
        Assert.Equal(AnomalySeverity.Critical, DeviationAnalysis.Severity(deviations));
        var advice = Recommendations.For(deviations, false);
        Assert.Equal(2, advice.Count);
        Assert.Contains("computing more", advice[0], StringComparison.Ordinal);
        Assert.Contains("allocated 5 MiB against a baseline of 10.74 KiB", advice[1], StringComparison.Ordinal);
    }
}
