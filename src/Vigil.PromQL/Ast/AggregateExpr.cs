using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Ast;

/// <summary>An aggregation such as <c>sum by (job) (x)</c> or <c>topk(3, x)</c>.</summary>
public sealed class AggregateExpr(AggregationOp op, Expr inner, Expr? param, List<string> grouping, bool without, PositionRange position) : Expr
{
    /// <summary>The aggregation operator.</summary>
    public AggregationOp Op { get; } = op;

    /// <summary>The vector being aggregated.</summary>
    public Expr Inner { get; set; } = inner;

    /// <summary>The parameter (k, quantile, ratio or label name), or null.</summary>
    public Expr? Param { get; set; } = param;

    /// <summary>The <c>by</c>/<c>without</c> labels.</summary>
    public List<string> Grouping { get; } = grouping;

    /// <summary>True for <c>without</c>.</summary>
    public bool Without { get; } = without;

    /// <inheritdoc />
    public override ExprType Type => ExprType.Vector;

    /// <inheritdoc />
    public override PositionRange Position { get; } = position;
}
