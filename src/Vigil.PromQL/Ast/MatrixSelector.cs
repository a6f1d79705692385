using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Ast;

/// <summary>A range vector selector: <c>selector[range]</c>.</summary>
public sealed class MatrixSelector(VectorSelector selector, long range, DurationExpr? rangeExpr, int endPos) : Expr
{
    /// <summary>The underlying instant selector (which carries offset and <c>@</c>).</summary>
    public VectorSelector Selector { get; } = selector;

    /// <summary>The range in milliseconds.</summary>
    public long Range { get; set; } = range;

    /// <summary>The range as a duration expression, resolved into <see cref="Range"/> before evaluation.</summary>
    public DurationExpr? RangeExpr { get; set; } = rangeExpr;

    /// <summary>End offset of the expression text.</summary>
    public int EndPos { get; set; } = endPos;

    /// <inheritdoc />
    public override ExprType Type => ExprType.Matrix;

    /// <inheritdoc />
    public override PositionRange Position => new(Selector.Position.Start, EndPos);
}
