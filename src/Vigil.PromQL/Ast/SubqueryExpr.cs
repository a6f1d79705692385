using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Ast;

/// <summary>A subquery: <c>expr[range:step] [@ t] [offset d]</c>.</summary>
public sealed class SubqueryExpr(Expr inner, long range, DurationExpr? rangeExpr, long step, DurationExpr? stepExpr, int endPos) : Expr
{
    /// <summary>The inner instant-vector expression.</summary>
    public Expr Inner { get; set; } = inner;

    /// <summary>Range in milliseconds.</summary>
    public long Range { get; set; } = range;

    /// <summary>Range as a duration expression.</summary>
    public DurationExpr? RangeExpr { get; set; } = rangeExpr;

    /// <summary>Step in milliseconds; 0 means the engine default.</summary>
    public long Step { get; set; } = step;

    /// <summary>Step as a duration expression.</summary>
    public DurationExpr? StepExpr { get; set; } = stepExpr;

    /// <summary>The <c>offset</c> in milliseconds as written.</summary>
    public long OriginalOffset { get; set; }

    /// <summary>The offset as a duration expression.</summary>
    public DurationExpr? OriginalOffsetExpr { get; set; }

    /// <summary>The <c>@</c> timestamp in milliseconds, or null.</summary>
    public long? Timestamp { get; set; }

    /// <summary><c>@ start()</c> or <c>@ end()</c>.</summary>
    public AtPreprocessor StartOrEnd { get; set; }

    /// <summary>End offset of the expression text.</summary>
    public int EndPos { get; set; } = endPos;

    /// <summary>Engine use: the effective offset after applying <c>@</c>.</summary>
    internal long Offset { get; set; }

    /// <inheritdoc />
    public override ExprType Type => ExprType.Matrix;

    /// <inheritdoc />
    public override PositionRange Position => new(Inner.Position.Start, EndPos);
}
