namespace Vigil.PromQL.Ast;

/// <summary>Aggregation operators of PromQL.</summary>
public enum AggregationOp
{
    /// <summary><c>sum</c></summary>
    Sum,

    /// <summary><c>avg</c></summary>
    Avg,

    /// <summary><c>count</c></summary>
    Count,

    /// <summary><c>min</c></summary>
    Min,

    /// <summary><c>max</c></summary>
    Max,

    /// <summary><c>group</c></summary>
    Group,

    /// <summary><c>stddev</c></summary>
    Stddev,

    /// <summary><c>stdvar</c></summary>
    Stdvar,

    /// <summary><c>topk</c></summary>
    Topk,

    /// <summary><c>bottomk</c></summary>
    Bottomk,

    /// <summary><c>count_values</c></summary>
    CountValues,

    /// <summary><c>quantile</c></summary>
    Quantile,

    /// <summary><c>limitk</c></summary>
    Limitk,

    /// <summary><c>limit_ratio</c></summary>
    LimitRatio,
}
