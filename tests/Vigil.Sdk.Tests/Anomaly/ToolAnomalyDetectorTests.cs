using Vigil.Sdk.Anomaly;
using Vigil.Sdk.Profiling;

namespace Vigil.Sdk.Tests.Anomaly;

public sealed class ToolAnomalyDetectorTests
{
    /// <summary>200 runs: duration ~ N(100 ms, 10 ms), CPU 90% of it, ~10 KB allocated, 4 hits and 1 miss, no failures.</summary>
    internal static List<ToolRun> History(string tool = "search", double meanSeconds = 0.1)
    {
        var rng = new Random(7);
        var runs = new List<ToolRun>();
        for (int i = 0; i < 200; i++)
        {
            double d = meanSeconds + (0.01 * Gaussian(rng));
            runs.Add(new ToolRun
            {
                Tool = tool,
                TimestampMs = 1_700_000_000_000 + i,
                DurationSeconds = d,
                CpuSeconds = 0.9 * d,
                AllocatedBytes = 10_000 + rng.Next(-1000, 1000),
                CacheHits = 4,
                CacheMisses = 1,
            });
        }
        return runs;
    }

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    internal static ToolRun Run(double duration, double cpu, long allocated = 10_000, ToolOutcome outcome = ToolOutcome.Success, long hits = 4, long misses = 1)
        => new() { Tool = "search", DurationSeconds = duration, CpuSeconds = cpu, AllocatedBytes = allocated, Outcome = outcome, ErrorType = outcome == ToolOutcome.Failure ? "Timeout" : null, CacheHits = hits, CacheMisses = misses };

    [Fact]
    public void TrainBaseline_History_StatisticsAndContaminationThreshold()
    {
        var detector = new ToolAnomalyDetector();
        var history = History();
        var baseline = detector.TrainBaseline("search", history)!;
        Assert.Equal(200, baseline.TrainingRuns);
        var duration = baseline[ToolFeature.Duration];
        double mean = history.Average(r => r.DurationSeconds);
        Assert.Equal(mean, duration.Mean, 12);
        Assert.Equal(mean + (2 * duration.StdDev), duration.Warning, 12);
        Assert.Equal(mean + (3 * duration.StdDev), duration.Critical, 12);
        // With contamination 0.1, a tenth of the training runs score above the threshold.
        int above = history.Count(r => detector.Detect(r).Score > baseline.ScoreThreshold);
        Assert.InRange(above, 15, 20);
        Assert.InRange(baseline.ScoreThreshold, 0.3, 0.8);
        Assert.Same(baseline, detector.GetBaseline("search"));
    }

    [Fact]
    public void Detect_TypicalRun_NormalWithinBaseline()
    {
        var detector = new ToolAnomalyDetector();
        detector.TrainBaseline("search", History());
        var report = detector.Detect(Run(0.1, 0.09));
        Assert.False(report.IsAnomaly);
        Assert.Equal(AnomalySeverity.Normal, report.Severity);
        Assert.Empty(report.Deviations);
        Assert.True(report.Score < report.ScoreThreshold, $"score {report.Score} threshold {report.ScoreThreshold}");
        Assert.Equal(["Performance is within the baseline; keep monitoring."], report.Recommendations);
        Assert.Null(report.Reason);
    }

    [Fact]
    public void Detect_SlowRunWithNormalCpu_AnomalyWithDurationZScoreAndWaitingAdvice()
    {
        var detector = new ToolAnomalyDetector();
        var baseline = detector.TrainBaseline("search", History())!;
        var report = detector.Detect(Run(0.2, 0.09));
        Assert.True(report.IsAnomaly);
        Assert.True(report.Score > baseline.ScoreThreshold, $"score {report.Score} threshold {baseline.ScoreThreshold}");
        Assert.Equal(AnomalySeverity.Critical, report.Severity);
        var d = Assert.Single(report.Deviations);
        Assert.Equal(ToolFeature.Duration, d.Feature);
        Assert.Equal((0.2 - baseline[ToolFeature.Duration].Mean) / baseline[ToolFeature.Duration].StdDev, d.ZScore, 9);
        Assert.InRange(d.ZScore, 8, 12);
        Assert.Contains("waiting, not computing", report.Recommendations[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_FailureAndCacheCollapse_ErrorAndCacheAdvice()
    {
        var detector = new ToolAnomalyDetector();
        detector.TrainBaseline("search", History());
        var report = detector.Detect(Run(0.1, 0.09, outcome: ToolOutcome.Failure, hits: 0, misses: 5));
        Assert.True(report.IsAnomaly);
        Assert.Equal([ToolFeature.Errors, ToolFeature.CacheHits, ToolFeature.CacheMisses], report.Deviations.Select(d => d.Feature).Order());
        Assert.Contains(report.Recommendations, r => r.Contains("failed where the tool's baseline succeeds", StringComparison.Ordinal));
        Assert.Contains(report.Recommendations, r => r.Contains("Cache misses rose", StringComparison.Ordinal));
    }

    [Fact]
    public void Detect_UnmeasuredCpu_ImputedNotFlagged()
    {
        var detector = new ToolAnomalyDetector();
        detector.TrainBaseline("search", History());
        var report = detector.Detect(Run(0.1, double.NaN, allocated: -1));
        Assert.False(report.IsAnomaly);
        Assert.Empty(report.Deviations);
    }

    [Fact]
    public void TrainBaseline_TooFewRuns_NoBaselineAndDetectSaysWhy()
    {
        var detector = new ToolAnomalyDetector();
        Assert.Null(detector.TrainBaseline("search", History().Take(9).ToList()));
        var report = detector.Detect(Run(5, 5));
        Assert.False(report.IsAnomaly);
        Assert.True(double.IsNaN(report.Score));
        Assert.Equal("no baseline model for tool \"search\" (needs 10 runs)", report.Reason);
    }

    [Fact]
    public async Task StartRetraining_FromProfiler_BaselineFollowsNewHistory()
    {
        using var profiler = new ToolProfiler(new ToolProfilerOptions { RunsPerTool = 200 });
        foreach (var run in History())
        {
            profiler.Record(run with { TimestampMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
        }
        await using var detector = new ToolAnomalyDetector(new ToolAnomalyDetectorOptions { RetrainInterval = TimeSpan.FromMilliseconds(100) });
        detector.StartRetraining(profiler);
        await WaitUntilAsync(() => detector.GetBaseline("search") is not null);
        Assert.Equal(0.1, detector.GetBaseline("search")![ToolFeature.Duration].Mean, 2);

        // The tool got slower for good: after retraining on the new history, 300 ms is the new normal.
        foreach (var run in History(meanSeconds: 0.3))
        {
            profiler.Record(run with { TimestampMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
        }
        await WaitUntilAsync(() => detector.GetBaseline("search")![ToolFeature.Duration].Mean > 0.25);
        Assert.False(detector.Detect(Run(0.3, 0.27)).IsAnomaly);
        await detector.StopRetrainingAsync();
        Assert.True(detector.Retrains >= 2);
        Assert.Equal(0, detector.RetrainErrors);
    }

    [Fact]
    public void Watch_ProfilerRuns_RaisesForAnomaliesOnly()
    {
        using var profiler = new ToolProfiler();
        var detector = new ToolAnomalyDetector();
        detector.TrainBaseline("search", History());
        var raised = new List<AnomalyReport>();
        detector.AnomalyDetected += raised.Add;
        using (detector.Watch(profiler))
        {
            profiler.Record(Run(0.1, 0.09));
            profiler.Record(Run(0.5, 0.45, allocated: 50_000_000));
        }
        profiler.Record(Run(0.5, 0.45));
        var report = Assert.Single(raised);
        Assert.Equal("search", report.Tool);
        Assert.Contains(report.Deviations, d => d.Feature == ToolFeature.AllocatedBytes && d.Severity == AnomalySeverity.Critical);
        Assert.Contains(report.Recommendations, r => r.Contains("computing more", StringComparison.Ordinal));
    }

    [Fact]
    public void Options_Invalid_ClearErrors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ToolAnomalyDetector(new ToolAnomalyDetectorOptions { Contamination = 0.6 }));
        Assert.Contains("WarningSigma", Assert.Throws<ArgumentException>(() => new ToolAnomalyDetector(new ToolAnomalyDetectorOptions { WarningSigma = 3, CriticalSigma = 2 })).Message, StringComparison.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 20 s");
            await Task.Delay(50);
        }
    }
}
