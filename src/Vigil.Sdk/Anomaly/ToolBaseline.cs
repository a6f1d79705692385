using Vigil.Analysis.Statistics;

namespace Vigil.Sdk.Anomaly;

/// <summary>A tool's trained baseline: per-feature statistics and thresholds, and an Isolation Forest over the feature vectors.</summary>
/// <remarks>Immutable; retraining replaces it. Thread-safe.</remarks>
public sealed class ToolBaseline
{
    private readonly FeatureBaseline[] _features;

    internal ToolBaseline(string tool, long trainedAtMs, int trainingRuns, FeatureBaseline[] features, IsolationForest forest, double scoreThreshold)
    {
        Tool = tool;
        TrainedAtMs = trainedAtMs;
        TrainingRuns = trainingRuns;
        _features = features;
        Forest = forest;
        ScoreThreshold = scoreThreshold;
    }

    /// <summary>The tool.</summary>
    public string Tool { get; }

    /// <summary>When the baseline was trained, in milliseconds since the epoch.</summary>
    public long TrainedAtMs { get; }

    /// <summary>Runs it was trained on.</summary>
    public int TrainingRuns { get; }

    /// <summary>Per-feature statistics, indexed by <see cref="ToolFeature"/>.</summary>
    public IReadOnlyList<FeatureBaseline> Features => _features;

    /// <summary>Isolation Forest score (0..1) above which a run is anomalous: the training scores' (1 − contamination) quantile.</summary>
    public double ScoreThreshold { get; }

    internal IsolationForest Forest { get; }

    /// <summary>The statistics of one feature.</summary>
    public FeatureBaseline this[ToolFeature feature] => _features[(int)feature];

    /// <summary>
    /// The row the forest sees for <paramref name="features"/>: unmeasured values (NaN) become the baseline mean, so they
    /// neither look anomalous nor hide what was measured.
    /// </summary>
    internal double[] Impute(ReadOnlySpan<double> features)
    {
        var row = new double[features.Length];
        for (int f = 0; f < row.Length; f++)
        {
            row[f] = double.IsNaN(features[f]) ? Fill(_features[f]) : features[f];
        }
        return row;
    }

    internal static double Fill(FeatureBaseline b) => b.Samples > 0 ? b.Mean : 0;
}
