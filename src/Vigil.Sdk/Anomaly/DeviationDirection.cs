namespace Vigil.Sdk.Anomaly;

/// <summary>Whether a feature deviates above or below its baseline mean.</summary>
public enum DeviationDirection
{
    /// <summary>Above the baseline mean.</summary>
    Increase,

    /// <summary>Below the baseline mean.</summary>
    Decrease,
}
