using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Ast;

/// <summary>An expression in parentheses.</summary>
public sealed class ParenExpr(Expr inner, PositionRange position) : Expr
{
    /// <summary>The wrapped expression.</summary>
    public Expr Inner { get; set; } = inner;

    /// <inheritdoc />
    public override ExprType Type => Inner.Type;

    /// <inheritdoc />
    public override PositionRange Position { get; } = position;
}
