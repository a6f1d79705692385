using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Ast;

/// <summary>A string literal.</summary>
public sealed class StringLiteral(string value, PositionRange position) : Expr
{
    /// <summary>The unquoted value.</summary>
    public string Value { get; } = value;

    /// <inheritdoc />
    public override ExprType Type => ExprType.String;

    /// <inheritdoc />
    public override PositionRange Position { get; } = position;
}
