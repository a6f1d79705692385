namespace Vigil.PromQL.Engine;

/// <summary>A matrix: series with several points each, sorted by labels.</summary>
public sealed class MatrixValue(IReadOnlyList<Series> series) : QueryValue
{
    /// <summary>The series.</summary>
    public IReadOnlyList<Series> Series { get; } = series;

    /// <inheritdoc />
    public override QueryValueKind Kind => QueryValueKind.Matrix;

    /// <summary>True when the series' buffers come from the engine's pool (returned by <see cref="QueryResult.Dispose"/>).</summary>
    internal bool Pooled { get; init; }
}
