using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.PromQL.Engine;
using Vigil.Analysis.Insights;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Insights;

/// <summary>The anomaly scorer over stored series: scores written back, counters on their rate, state across a restart.</summary>
public sealed class AnomalyScorerTests : IDisposable
{
    private const long Start = 1_700_000_000_000;
    private const long Step = 15_000;
    private static readonly LabelSet Self = LabelSet.Of("job", "vigil", "instance", "host-1");
    private readonly MemoryStorage _storage = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-scorer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static AnalysisConfig Config(TimeSpan? warmup = null) => new()
    {
        EvaluationInterval = TimeSpan.FromSeconds(15),
        DetectorParameters = new Dictionary<string, double> { ["min_points"] = 50 },
        Warmup = warmup ?? TimeSpan.Zero,
        Hold = TimeSpan.FromSeconds(45),
    };

    private AnomalyScorer Scorer(AnalysisConfig? config = null, long startMs = Start) => new(config ?? Config(), _storage, Self, startMs, NullLogger.Instance);

    private void Write(LabelSet labels, long t, double v)
    {
        var app = _storage.Appender();
        app.Append(labels, t, v);
        app.Commit();
    }

    private static LabelSet Gauge(string name) => LabelSet.Of("__name__", name, "job", "vigil", "instance", "host-1");

    private double Value(string expr, long t)
    {
        var samples = Assert.IsType<VectorValue>(new PromQLEngine().InstantQuery(_storage, expr, t).Value).Samples;
        return samples.Count == 0 ? double.NaN : Assert.Single(samples).V;
    }

    /// <summary>Writes one point per step and evaluates after each, as the server does; returns each point's score.</summary>
    private double[] Feed(AnomalyScorer scorer, LabelSet labels, Func<int, double> value, int from, int to)
    {
        var scores = new double[to - from];
        for (int i = from; i < to; i++)
        {
            long t = Start + (i * Step);
            Write(labels, t, value(i));
            scorer.Evaluate(t + 1000);
            scores[i - from] = Value($"vigil_anomaly_score{{metric_name=\"{labels.Name}\"}}", t);
        }
        return scores;
    }

    [Fact]
    public void Evaluate_SpikeInNoise_ScoreSpikeAnomalousHeldAndRate()
    {
        var scorer = Scorer();
        var r = new Random(3);
        var latency = Gauge("app_latency_seconds");
        var steady = Gauge("node_load1");
        double[] scores = Feed(scorer, latency, i => i == 150 ? 2.0 : 0.1 + (0.01 * r.NextDouble()), 0, 160);

        Assert.True(scores[150] >= 0.9, $"spike scored {scores[150]}");
        Assert.Equal(0, scores.Where((_, i) => i != 150).Count(s => s >= 0.5));
        long spikeT = Start + (150 * Step);
        Assert.Equal(1, Value("vigil_anomalous{metric_name=\"app_latency_seconds\", job=\"vigil\", instance=\"host-1\"}", spikeT));
        // Note: the hold is 45 s: the anomalous flag stays up for three more 15 s points, then drops.
        Assert.Equal(1, Value("vigil_anomalous{metric_name=\"app_latency_seconds\"}", spikeT + (3 * Step)));
        Assert.Equal(0, Value("vigil_anomalous{metric_name=\"app_latency_seconds\"}", spikeT + (4 * Step)));
        Assert.Equal(0, Value("vigil_anomalous{metric_name=\"app_latency_seconds\"}", spikeT - Step));
        Assert.Equal("vigil", Assert.Single(Assert.IsType<VectorValue>(new PromQLEngine().InstantQuery(_storage, "vigil_anomaly_score", spikeT).Value).Samples).Labels.Get("detector"));
        Assert.Equal(1.0, Value("vigil_anomaly_rate{instance=\"host-1\"}", spikeT + 1000));
        Assert.Equal(0.0, Value("vigil_anomaly_rate{instance=\"host-1\"}", spikeT + (5 * Step) + 1000));
        Assert.Equal(160, scorer.PointsScored);
        Assert.Equal(1, Value("vigil_analysis_series{state=\"scored\"}", Start + (159 * Step) + 1000));
    }

    [Fact]
    public void Evaluate_SeriesFirstSeenByLaterEvaluation_LearnsFromWarmupHistoryAndScoresSpike()
    {
        long now = Start + (200 * Step);
        var scorer = Scorer(Config(TimeSpan.FromHours(2)), startMs: now);
        // The first evaluation finds nothing: the series reaches the store (or its index) later, history and all.
        scorer.Evaluate(now);
        var r = new Random(4);
        var latency = Gauge("app_latency_seconds");
        for (int i = 0; i < 200; i++)
        {
            Write(latency, Start + (i * Step), 0.1 + (0.01 * r.NextDouble()));
        }
        scorer.Evaluate(now + Step);
        Assert.Equal(1, scorer.SeriesCount);
        Assert.Equal(200, scorer.PointsScored);

        long spikeT = now + (2 * Step);
        Write(latency, spikeT, 2.0);
        scorer.Evaluate(spikeT + 1000);
        double score = Value("vigil_anomaly_score{metric_name=\"app_latency_seconds\"}", spikeT);
        Assert.True(score >= 0.9, $"spike scored {score}");
        Assert.Equal("app_latency_seconds", Assert.Single(scorer.Snapshot()).Labels.Name);
    }

    [Fact]
    public void Evaluate_GrowingCounter_ScoredOnRateSoSteadyGrowthIsNotAnomalousButARateJumpIs()
    {
        var scorer = Scorer();
        var r = new Random(8);
        var counter = Gauge("http_requests_total");
        double total = 0;
        double[] scores = Feed(scorer, counter, i =>
        {
            // ~10 requests/s, then 60/s from point 200 on.
            total += (i < 200 ? 10 : 60) * 15 * (0.95 + (0.1 * r.NextDouble()));
            return total;
        }, 0, 210);

        Assert.Equal(0, scores[..200].Count(s => s >= 0.5));
        Assert.True(scores[200] >= 0.9, $"rate jump scored {scores[200]}");
        // The raw value sets a new maximum at every point; a detector fed raw values would flag each of them.
        Assert.True(AnomalyScorer.IsCounter("http_requests_total") && AnomalyScorer.IsCounter("rpc_duration_seconds_sum") && !AnomalyScorer.IsCounter("node_load1"));
    }

    [Fact]
    public void Evaluate_CounterReset_CountsFromZeroLikeRate()
    {
        var scorer = Scorer();
        var counter = Gauge("jobs_total");
        var r = new Random(2);
        double total = 0;
        // About 1/s, and the counted process restarts at point 120: the counter starts again from zero.
        double[] scores = Feed(scorer, counter, i =>
        {
            double increment = 15 * (0.9 + (0.2 * r.NextDouble()));
            total = i == 120 ? increment : total + increment;
            return total;
        }, 0, 130);
        Assert.Equal(0, scores.Count(s => s >= 0.5));
        Assert.True(Value("vigil_anomaly_score{metric_name=\"jobs_total\"}", Start + (120 * Step)) < 0.5);
    }

    [Fact]
    public void Evaluate_MaxSeries_SkipsAndCountsTheRest()
    {
        var scorer = Scorer(Config() with { MaxSeries = 2 });
        for (int s = 0; s < 5; s++)
        {
            Write(Gauge("g" + s), Start, 1);
        }
        scorer.Evaluate(Start + 1000);
        Assert.Equal(2, scorer.SeriesCount);
        Assert.Equal(3, scorer.Skipped);
        Assert.Equal(3, Value("vigil_analysis_series{state=\"skipped\"}", Start + 1000));
    }

    [Fact]
    public void Evaluate_OwnOutputs_NeverScored()
    {
        var scorer = Scorer();
        Write(Gauge("x"), Start, 1);
        scorer.Evaluate(Start + 1000);
        Write(Gauge("x"), Start + Step, 1);
        scorer.Evaluate(Start + Step + 1000);
        // vigil_anomaly_score, vigil_anomalous, vigil_anomaly_rate and vigil_analysis_* carry job="vigil" too, but only x has a detector.
        Assert.Equal(1, scorer.SeriesCount);
    }

    [Fact]
    public void SaveAndLoad_Restart_DetectorsContinueWhereTheyStopped()
    {
        string path = Path.Combine(_dir, "analysis", "detectors.state");
        var r = new Random(5);
        var latency = Gauge("app_latency_seconds");
        var first = Scorer();
        Feed(first, latency, _ => 0.1 + (0.01 * r.NextDouble()), 0, 80);
        first.Save(path);
        Assert.True(File.Exists(path));

        // A restarted scorer without warm-up: only the saved state can make it ready (min_points = 50) for the spike.
        var restarted = Scorer();
        Assert.Equal(1, restarted.Load(path));
        double[] after = Feed(restarted, latency, i => i == 85 ? 2.0 : 0.1 + (0.01 * r.NextDouble()), 80, 90);
        Assert.True(after[5] >= 0.9, $"spike after restart scored {after[5]}");

        // Without the state file, the same restart has a fresh detector that is still learning.
        var fresh = Scorer();
        Write(latency, Start + (90 * Step), 2.0);
        fresh.Evaluate(Start + (90 * Step) + 1000);
        Assert.Equal(0, Value("vigil_anomaly_score{metric_name=\"app_latency_seconds\"}", Start + (90 * Step)));
    }

    [Fact]
    public void Evaluate_NoSavedState_WarmsUpFromStoredHistoryWithoutWritingIt()
    {
        var r = new Random(6);
        var latency = Gauge("app_latency_seconds");
        for (int i = 0; i < 100; i++)
        {
            Write(latency, Start + (i * Step), 0.1 + (0.01 * r.NextDouble()));
        }
        var scorer = Scorer(Config(TimeSpan.FromHours(1)), startMs: Start + (100 * Step));
        scorer.Evaluate(Start + (100 * Step));
        Assert.Equal(100, scorer.PointsScored);
        Assert.Empty(Assert.IsType<VectorValue>(new PromQLEngine().InstantQuery(_storage, "vigil_anomaly_score", Start + (99 * Step)).Value).Samples);
        Write(latency, Start + (100 * Step), 2.0);
        scorer.Evaluate(Start + (101 * Step));
        Assert.True(Value("vigil_anomaly_score", Start + (100 * Step)) >= 0.9);
    }

    [Fact]
    public void Load_OtherDetectorParameters_IgnoredWithFreshStart()
    {
        string path = Path.Combine(_dir, "analysis", "detectors.state");
        var first = Scorer();
        Write(Gauge("x"), Start, 1);
        first.Evaluate(Start + 1000);
        first.Save(path);
        var other = Scorer(Config() with { DetectorParameters = new Dictionary<string, double> { ["min_points"] = 60 } });
        Assert.Equal(0, other.Load(path));
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Equal(0, Scorer().Load(path));
    }
}
