using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Ast;

/// <summary>Marks a sub-expression whose value does not change across the steps of a range query (the engine evaluates it once).</summary>
public sealed class StepInvariantExpr(Expr inner) : Expr
{
    /// <summary>The invariant expression.</summary>
    public Expr Inner { get; } = inner;

    /// <inheritdoc />
    public override ExprType Type => Inner.Type;

    /// <inheritdoc />
    public override PositionRange Position => Inner.Position;
}
