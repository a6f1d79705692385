using Vigil.Core.Labels;

namespace Vigil.PromQL.Engine;

/// <summary>
/// The metric's schema labels: <c>__name__</c> and the type-and-unit labels <c>__type__</c> and <c>__unit__</c>
/// (Prometheus's <c>type-and-unit-labels</c> feature). An operation that changes what a value means drops all three.
/// </summary>
internal static class MetadataLabels
{
    /// <summary>The metric type label (counter, gauge, ...).</summary>
    public const string Type = "__type__";

    /// <summary>The metric unit label.</summary>
    public const string Unit = "__unit__";

    /// <summary>The label set without <c>__name__</c>, <c>__type__</c> and <c>__unit__</c>.</summary>
    public static LabelSet WithoutMetadata(this LabelSet labels)
        => labels.Has(LabelSet.MetricName) || labels.Has(Type) || labels.Has(Unit) ? labels.Without(LabelSet.MetricName, Type, Unit) : labels;
}
