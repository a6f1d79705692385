namespace Vigil.Server.Config.Seed;

/// <summary>The seed's <c>performance_analysis</c> block: how often and over how much history analysis runs.</summary>
public sealed record PerformanceAnalysisConfig
{
    /// <summary>Time between analysis runs (<c>analysis_interval</c>, seconds or a duration); null when absent.</summary>
    public TimeSpan? AnalysisInterval { get; init; }

    /// <summary>How long insights are kept (<c>retention_period</c>, seconds or a duration); null when absent.</summary>
    public TimeSpan? RetentionPeriod { get; init; }

    /// <summary>The least confidence (0 to 1) an insight needs to be reported (<c>confidence_threshold</c>); null when absent.</summary>
    public double? ConfidenceThreshold { get; init; }
}
