namespace Vigil.PromQL.Engine;

/// <summary>A string result at timestamp <see cref="T"/> (milliseconds).</summary>
public sealed class StringValue(long t, string value) : QueryValue
{
    /// <summary>The evaluation time in milliseconds.</summary>
    public long T { get; } = t;

    /// <summary>The string.</summary>
    public string Value { get; } = value;

    /// <inheritdoc />
    public override QueryValueKind Kind => QueryValueKind.String;
}
