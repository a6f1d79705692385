using Vigil.Core.Labels;

namespace Vigil.Server.Metrics;

/// <summary>The Prometheus metric types Vigil exposes.</summary>
internal enum MetricType
{
    Counter,
    Gauge,
    Histogram,
    Untyped,
}

/// <summary>One sample of a metric family; <see cref="Labels"/> includes <c>__name__</c> (e.g. <c>x_bucket</c> for histograms).</summary>
internal readonly record struct MetricSample(LabelSet Labels, double Value);

/// <summary>A metric family as exposed in the text format: a name, type, help text and its samples.</summary>
/// <remarks>Not thread-safe; built per collection and then read.</remarks>
internal sealed class MetricFamily(string name, MetricType type, string help)
{
    public string Name { get; } = name;

    public MetricType Type { get; } = type;

    public string Help { get; } = help;

    public List<MetricSample> Samples { get; } = new();

    /// <summary>Adds a sample named like the family with the given extra label pairs.</summary>
    public MetricFamily Add(double value, params string[] labelPairs) => AddNamed(Name, value, labelPairs);

    /// <summary>Adds a sample with an explicit sample name (for <c>_bucket</c>, <c>_sum</c>, <c>_count</c>).</summary>
    public MetricFamily AddNamed(string sampleName, double value, params string[] labelPairs)
    {
        var pairs = new string[labelPairs.Length + 2];
        pairs[0] = LabelSet.MetricName;
        pairs[1] = sampleName;
        labelPairs.CopyTo(pairs, 2);
        Samples.Add(new MetricSample(LabelSet.Of(pairs), value));
        return this;
    }
}
