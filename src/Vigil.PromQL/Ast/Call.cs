using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Ast;

/// <summary>A function call.</summary>
public sealed class Call(FunctionDef func, List<Expr> args, PositionRange position) : Expr
{
    /// <summary>The function.</summary>
    public FunctionDef Func { get; } = func;

    /// <summary>The arguments.</summary>
    public List<Expr> Args { get; } = args;

    /// <inheritdoc />
    public override ExprType Type => Func.ReturnType;

    /// <inheritdoc />
    public override PositionRange Position { get; } = position;
}
