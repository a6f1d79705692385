using Vigil.Core.Model;

namespace Vigil.PromQL.Engine;

/// <summary>An instant vector: one sample per series, all at the evaluation time, in the engine's output order.</summary>
public sealed class VectorValue(IReadOnlyList<LabeledSample> samples) : QueryValue
{
    /// <summary>The samples (order matters for sort/topk results).</summary>
    public IReadOnlyList<LabeledSample> Samples { get; } = samples;

    /// <inheritdoc />
    public override QueryValueKind Kind => QueryValueKind.Vector;
}
