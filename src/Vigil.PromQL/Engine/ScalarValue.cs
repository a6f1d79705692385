namespace Vigil.PromQL.Engine;

/// <summary>A scalar result at timestamp <see cref="T"/> (milliseconds).</summary>
public sealed class ScalarValue(long t, double v) : QueryValue
{
    /// <summary>The evaluation time in milliseconds.</summary>
    public long T { get; } = t;

    /// <summary>The value.</summary>
    public double V { get; } = v;

    /// <inheritdoc />
    public override QueryValueKind Kind => QueryValueKind.Scalar;
}
