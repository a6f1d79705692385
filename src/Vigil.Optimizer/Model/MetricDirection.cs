namespace Vigil.Optimizer.Model;

/// <summary>Which way a metric is better.</summary>
public enum MetricDirection
{
    /// <summary>Lower is better (latency, error rate, CPU).</summary>
    Lower,

    /// <summary>Higher is better (throughput, hit ratio).</summary>
    Higher,
}
