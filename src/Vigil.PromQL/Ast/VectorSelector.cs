using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Ast;

/// <summary>An instant vector selector: <c>name{matchers} [@ t] [offset d]</c>.</summary>
public sealed class VectorSelector : Expr
{
    /// <summary>Creates a selector.</summary>
    public VectorSelector(string name, List<LabelMatcher> matchers, PositionRange position)
    {
        Name = name;
        Matchers = matchers;
        Range = position;
    }

    /// <summary>The metric name written before the braces, or empty.</summary>
    public string Name { get; set; }

    /// <summary>All matchers, including <c>__name__="Name"</c> when a name was written before the braces.</summary>
    public List<LabelMatcher> Matchers { get; }

    /// <summary>The <c>offset</c> in milliseconds as written (negative allowed).</summary>
    public long OriginalOffset { get; set; }

    /// <summary>The offset as a duration expression, resolved into <see cref="OriginalOffset"/> before evaluation.</summary>
    public DurationExpr? OriginalOffsetExpr { get; set; }

    /// <summary>The <c>@</c> timestamp in milliseconds, or null.</summary>
    public long? Timestamp { get; set; }

    /// <summary><c>@ start()</c> or <c>@ end()</c>.</summary>
    public AtPreprocessor StartOrEnd { get; set; }

    /// <summary>
    /// The <c>anchored</c> range modifier: the range also takes the last sample at or before its start (within the
    /// lookback delta), so <c>increase</c>, <c>changes</c> and friends see the value at the boundary.
    /// </summary>
    public bool Anchored { get; set; }

    /// <summary>
    /// The <c>smoothed</c> modifier: values at the range boundaries (or at the evaluation time of an instant selector)
    /// are interpolated between the neighbouring samples within the lookback delta.
    /// </summary>
    public bool Smoothed { get; set; }

    /// <summary>Position (the end moves when modifiers are appended).</summary>
    public PositionRange Range { get; set; }

    /// <summary>Engine use: the effective offset after applying <c>@</c> (milliseconds).</summary>
    internal long Offset { get; set; }

    /// <summary>Engine use: the series selected from storage.</summary>
    internal List<ISeries>? Series { get; set; }

    /// <summary>Engine use: the selection made before evaluation, expanded into <see cref="Series"/> on first use.</summary>
    internal ISeriesSet? SeriesSet { get; set; }

    /// <inheritdoc />
    public override ExprType Type => ExprType.Vector;

    /// <inheritdoc />
    public override PositionRange Position => Range;
}
