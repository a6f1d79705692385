namespace Vigil.Sdk.Adaptive;

/// <summary>Settings of a <see cref="DemandPredictor"/>; the defaults are the seed's.</summary>
public sealed class DemandPredictorOptions
{
    /// <summary>The name of the predictor's tunables prefix (and of nothing else).</summary>
    public string Name { get; set; } = "load";

    /// <summary>Earlier observations per scope used by a prediction (10).</summary>
    public int HistoryLength { get; set; } = 10;

    /// <summary>Weight of the current load against the weighted history (0.3).</summary>
    public double CurrentWeight { get; set; } = 0.3;

    /// <summary>Share above which the dominant resource makes the load <c>{resource}_intensive</c> (0.6).</summary>
    public double DominantShare { get; set; } = 0.6;

    /// <summary>Scopes kept; observations of further scopes are analysed and predicted without history, and not exported (256).</summary>
    public int MaxScopes { get; set; } = 256;

    /// <summary>Name of the meter of the predictor's instruments.</summary>
    public string MeterName { get; set; } = AdaptiveMetrics.DefaultMeterName;

    /// <summary>Clock of the patterns' timestamps.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        if (HistoryLength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(HistoryLength), HistoryLength, "DemandPredictorOptions.HistoryLength must be positive.");
        }
        if (!(CurrentWeight >= 0 && CurrentWeight <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(CurrentWeight), CurrentWeight, "DemandPredictorOptions.CurrentWeight must be in [0, 1].");
        }
        if (!(DominantShare > 0 && DominantShare < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(DominantShare), DominantShare, "DemandPredictorOptions.DominantShare must be in (0, 1).");
        }
        if (MaxScopes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxScopes), MaxScopes, "DemandPredictorOptions.MaxScopes must be positive.");
        }
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
