namespace Vigil.Rules.Seed;

/// <summary>The aggregations of the seed's <c>aggregation_rules</c>.</summary>
public enum AggregationKind
{
    /// <summary><c>sum_over_time</c>.</summary>
    Sum,

    /// <summary><c>avg_over_time</c>.</summary>
    Average,

    /// <summary><c>min_over_time</c>.</summary>
    Min,

    /// <summary><c>max_over_time</c>.</summary>
    Max,

    /// <summary><c>count_over_time</c>.</summary>
    Count,

    /// <summary><c>quantile_over_time</c>.</summary>
    Percentile,
}
