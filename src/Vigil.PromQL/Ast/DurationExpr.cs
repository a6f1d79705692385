using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Ast;

/// <summary>An arithmetic duration expression such as <c>5m + 30s</c> or <c>step() * 2</c>, in seconds.</summary>
public sealed class DurationExpr(DurationOp op, Expr? lhs, Expr? rhs, int startPos, int endPos) : Expr
{
    /// <summary>The operator.</summary>
    public DurationOp Op { get; } = op;

    /// <summary>Left operand (null for unary operators, step() and range()).</summary>
    public Expr? Lhs { get; } = lhs;

    /// <summary>Right operand (null for step() and range()).</summary>
    public Expr? Rhs { get; } = rhs;

    /// <summary>True when written in parentheses (printed with them).</summary>
    public bool Wrapped { get; set; }

    /// <summary>Start offset used when there is no left operand.</summary>
    public int StartPos { get; } = startPos;

    /// <summary>End offset used when there is no right operand.</summary>
    public int EndPos { get; } = endPos;

    /// <inheritdoc />
    public override ExprType Type => ExprType.Scalar;

    /// <inheritdoc />
    public override PositionRange Position
    {
        get
        {
            int start = Lhs?.Position.Start ?? StartPos;
            int end = Op is DurationOp.Step or DurationOp.Range or DurationOp.Min or DurationOp.Max || Rhs is null ? EndPos : Rhs.Position.End;
            return new PositionRange(start, Math.Max(end, start));
        }
    }
}
