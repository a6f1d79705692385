namespace Vigil.Analysis.Insights;

/// <summary>What an insight reports (the seed's <c>InsightType</c>); optimization policies match it as <c>insight: TYPE</c>.</summary>
public enum InsightType
{
    /// <summary>A latency or error series has been getting significantly worse (trend engine).</summary>
    PerformanceDegradation,

    /// <summary>A resource will run out within the capacity horizon: disk, memory, a connection pool (capacity engine).</summary>
    ResourceExhaustion,

    /// <summary>A resource is saturated or fully used, or latency follows its saturation (bottleneck engine).</summary>
    BottleneckDetected,

    /// <summary>Series are anomalous at the same time (anomaly engine, from the anomaly scores).</summary>
    AnomalyDetected,

    /// <summary>A saturation series has been rising significantly (trend engine), before it hurts latency.</summary>
    TrendIdentified,

    /// <summary>
    /// An objective of the optimizer's lever decider is out of reach of its automatic levers (or converged short of its
    /// threshold): what was tried, with the evidence, and what is left to a person (engine <c>optimizer</c>).
    /// </summary>
    ObjectiveOutOfReach,
}
