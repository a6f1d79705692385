using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Ast;

/// <summary>A unary <c>-</c> or <c>+</c> applied to an expression.</summary>
public sealed class UnaryExpr(bool negate, Expr operand, int startPos) : Expr
{
    /// <summary>True for <c>-</c>, false for <c>+</c>.</summary>
    public bool Negate { get; } = negate;

    /// <summary>The operand.</summary>
    public Expr Operand { get; set; } = operand;

    /// <summary>Offset of the operator.</summary>
    public int StartPos { get; } = startPos;

    /// <inheritdoc />
    public override ExprType Type => Operand.Type;

    /// <inheritdoc />
    public override PositionRange Position => new(StartPos, Operand.Position.End);
}
