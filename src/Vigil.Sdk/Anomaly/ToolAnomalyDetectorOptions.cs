namespace Vigil.Sdk.Anomaly;

/// <summary>Settings of a <see cref="ToolAnomalyDetector"/>; read when the detector is created.</summary>
public sealed class ToolAnomalyDetectorOptions
{
    /// <summary>
    /// Expected share of anomalous runs in the training history (the seed's <c>contamination</c>, default 0.1): the
    /// score threshold is the training scores' (1 − contamination) quantile, so that share of the history would be flagged.
    /// </summary>
    public double Contamination { get; set; } = 0.1;

    /// <summary>Isolation trees per forest.</summary>
    public int Trees { get; set; } = 100;

    /// <summary>Rows each tree is grown on.</summary>
    public int Subsample { get; set; } = 256;

    /// <summary>Seed of the forest's random choices, so training is reproducible.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Fewest runs a baseline is trained on; tools with fewer keep no baseline (the seed's 10).</summary>
    public int MinTrainingRuns { get; set; } = 10;

    /// <summary>Standard deviations from the mean beyond which a feature is a warning.</summary>
    public double WarningSigma { get; set; } = 2;

    /// <summary>Standard deviations from the mean beyond which a feature is critical.</summary>
    public double CriticalSigma { get; set; } = 3;

    /// <summary>History used by scheduled retraining: runs that ended within this window.</summary>
    public TimeSpan TrainingWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often scheduled retraining runs.</summary>
    public TimeSpan RetrainInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Anomalies kept for <see cref="ToolAnomalyDetector.RecentAnomalies"/> (and <c>/vigil/anomalies</c>); the oldest are dropped (256).</summary>
    public int MaxRecentAnomalies { get; set; } = 256;

    /// <summary>Tools whose status is kept while watching (256, the profiler's default tool limit).</summary>
    public int MaxTools { get; set; } = 256;

    /// <summary>Name of the meter of the detector's instruments.</summary>
    public string MeterName { get; set; } = "Vigil.Sdk.Anomaly";

    /// <summary>Clock for training timestamps and the retraining schedule.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        if (!(Contamination > 0 && Contamination < 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(Contamination), Contamination, "ToolAnomalyDetectorOptions.Contamination must be in (0, 0.5).");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(Trees, 1, nameof(Trees));
        ArgumentOutOfRangeException.ThrowIfLessThan(Subsample, 2, nameof(Subsample));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinTrainingRuns, 2, nameof(MinTrainingRuns));
        if (!(WarningSigma > 0 && CriticalSigma > WarningSigma))
        {
            throw new ArgumentException($"ToolAnomalyDetectorOptions: need 0 < WarningSigma ({WarningSigma}) < CriticalSigma ({CriticalSigma}).");
        }
        if (TrainingWindow <= TimeSpan.Zero || RetrainInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("ToolAnomalyDetectorOptions: TrainingWindow and RetrainInterval must be positive.");
        }
        if (MaxRecentAnomalies < 1 || MaxTools < 1)
        {
            throw new ArgumentException("ToolAnomalyDetectorOptions: MaxRecentAnomalies and MaxTools must be positive.");
        }
        if (string.IsNullOrWhiteSpace(MeterName))
        {
            throw new ArgumentException("ToolAnomalyDetectorOptions.MeterName must not be empty.");
        }
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
    }
}
