using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Ast;

/// <summary>A binary operation <c>lhs op [bool] [on|ignoring(...)] [group_x(...)] rhs</c>.</summary>
public sealed class BinaryExpr(BinaryOp op, Expr lhs, Expr rhs, VectorMatching? matching, bool returnBool) : Expr
{
    /// <summary>The operator.</summary>
    public BinaryOp Op { get; } = op;

    /// <summary>Left operand.</summary>
    public Expr Lhs { get; set; } = lhs;

    /// <summary>Right operand.</summary>
    public Expr Rhs { get; set; } = rhs;

    /// <summary>Matching options; null when either side is a scalar.</summary>
    public VectorMatching? Matching { get; set; } = matching;

    /// <summary>True with the <c>bool</c> modifier.</summary>
    public bool ReturnBool { get; } = returnBool;

    /// <inheritdoc />
    public override ExprType Type => Lhs.Type == ExprType.Scalar && Rhs.Type == ExprType.Scalar ? ExprType.Scalar : ExprType.Vector;

    /// <inheritdoc />
    public override PositionRange Position => new(Lhs.Position.Start, Rhs.Position.End);
}
