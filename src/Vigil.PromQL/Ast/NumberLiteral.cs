using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Ast;

/// <summary>A number literal such as <c>1.5</c>, <c>0x1f</c>, <c>Inf</c> or a duration used as seconds (<c>5m</c>).</summary>
public sealed class NumberLiteral : Expr
{
    /// <summary>Creates a literal.</summary>
    public NumberLiteral(double value, PositionRange position, bool isDuration = false)
    {
        Value = value;
        Range = position;
        IsDuration = isDuration;
    }

    /// <summary>The value (seconds for a duration literal).</summary>
    public double Value { get; set; }

    /// <summary>True when written as a duration, so it prints as one.</summary>
    public bool IsDuration { get; }

    /// <summary>Position; the parser moves the start when folding a sign.</summary>
    public PositionRange Range { get; set; }

    /// <inheritdoc />
    public override ExprType Type => ExprType.Scalar;

    /// <inheritdoc />
    public override PositionRange Position => Range;
}
