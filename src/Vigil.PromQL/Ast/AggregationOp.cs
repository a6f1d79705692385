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

/// <summary>Properties of <see cref="AggregationOp"/>.</summary>
public static class AggregationOps
{
    /// <summary>The operator as written in PromQL.</summary>
    public static string Text(this AggregationOp op) => op switch
    {
        AggregationOp.Sum => "sum",
        AggregationOp.Avg => "avg",
        AggregationOp.Count => "count",
        AggregationOp.Min => "min",
        AggregationOp.Max => "max",
        AggregationOp.Group => "group",
        AggregationOp.Stddev => "stddev",
        AggregationOp.Stdvar => "stdvar",
        AggregationOp.Topk => "topk",
        AggregationOp.Bottomk => "bottomk",
        AggregationOp.CountValues => "count_values",
        AggregationOp.Quantile => "quantile",
        AggregationOp.Limitk => "limitk",
        _ => "limit_ratio",
    };

    /// <summary>True when the operator takes a parameter before the vector.</summary>
    public static bool HasParam(this AggregationOp op)
        => op is AggregationOp.Topk or AggregationOp.Bottomk or AggregationOp.CountValues or AggregationOp.Quantile
            or AggregationOp.Limitk or AggregationOp.LimitRatio;

    /// <summary>True for the operators that keep the input series' labels (topk, bottomk, limitk, limit_ratio).</summary>
    public static bool KeepsSeries(this AggregationOp op)
        => op is AggregationOp.Topk or AggregationOp.Bottomk or AggregationOp.Limitk or AggregationOp.LimitRatio;
}
