namespace Vigil.Collection.Otlp;

/// <summary>What an OTLP metric becomes in Prometheus, which decides its name's type suffix.</summary>
public enum OtlpMetricKind
{
    /// <summary>A gauge, or a non-monotonic sum.</summary>
    Gauge,

    /// <summary>A monotonic sum: a counter (<c>_total</c>).</summary>
    Counter,

    /// <summary>A histogram with explicit buckets.</summary>
    Histogram,

    /// <summary>An exponential histogram (stored as classic buckets).</summary>
    ExponentialHistogram,

    /// <summary>A summary.</summary>
    Summary,
}
