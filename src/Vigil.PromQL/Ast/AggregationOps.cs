namespace Vigil.PromQL.Ast;

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
