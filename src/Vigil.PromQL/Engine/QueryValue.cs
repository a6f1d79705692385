namespace Vigil.PromQL.Engine;

/// <summary>The value a query produced: <see cref="MatrixValue"/>, <see cref="VectorValue"/>, <see cref="ScalarValue"/> or <see cref="StringValue"/>.</summary>
public abstract class QueryValue
{
    /// <summary>The kind of value.</summary>
    public abstract QueryValueKind Kind { get; }
}
