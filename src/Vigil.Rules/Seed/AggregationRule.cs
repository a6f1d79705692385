namespace Vigil.Rules.Seed;

/// <summary>One entry of the seed's <c>aggregation_rules</c>, compiled to a recording rule.</summary>
public sealed class AggregationRule
{
    /// <summary>The input: a metric name (<c>response_time</c>), a selector (<c>http_latency{job="api"}</c>) or a name regex (<c>node_.*_bytes</c>).</summary>
    public required string MetricPattern { get; init; }

    /// <summary>The aggregation over the window.</summary>
    public required AggregationType AggregationType { get; init; }

    /// <summary>The window in seconds (<c>time_window</c>).</summary>
    public required long TimeWindow { get; init; }

    /// <summary>The recorded metric name.</summary>
    public required string OutputMetric { get; init; }
}
