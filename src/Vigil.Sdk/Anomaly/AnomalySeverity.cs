namespace Vigil.Sdk.Anomaly;

/// <summary>How far a run is from its tool's baseline.</summary>
public enum AnomalySeverity
{
    /// <summary>Within the warning threshold (2σ by default).</summary>
    Normal,

    /// <summary>Beyond the warning threshold (2σ) but within the critical one (3σ).</summary>
    Warning,

    /// <summary>Beyond the critical threshold (3σ by default).</summary>
    Critical,
}
