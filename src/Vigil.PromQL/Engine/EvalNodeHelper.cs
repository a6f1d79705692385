using Vigil.Core.Labels;

namespace Vigil.PromQL.Engine;

/// <summary>Per-node state reused across the steps of one evaluation: output buffer and caches.</summary>
internal sealed class EvalNodeHelper
{
    public EvalNodeHelper(Evaluator evaluator) => Evaluator = evaluator;

    public Evaluator Evaluator { get; }

    /// <summary>The evaluation timestamp of the current step.</summary>
    public long Ts;

    /// <summary>Output vector of the current step.</summary>
    public List<StepSample> Out { get; } = new();

    public LabelSetBuilder Builder { get; } = new();

    // Binary operation result labels by (left, right) input labels.
    public Dictionary<(LabelSet, LabelSet), LabelSet>? ResultMetric;

    // Classic histogram caches (histogram_quantile/fraction).
    public Dictionary<LabelSet, Functions.BucketGroup>? BucketGroups;

    // Sort and other scratch.
    public Dictionary<double, string>? QuantileStrings;

    public Annotations Annotations => Evaluator.Annotations;
}
