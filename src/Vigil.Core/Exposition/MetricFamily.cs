using Vigil.Core.Labels;

namespace Vigil.Core.Exposition;

/// <summary>A metric family as exposed: name, type, optional help and unit, and its samples.</summary>
/// <remarks>A simple mutable container for writing and for small payloads; scraping uses <see cref="ExpositionParser"/> directly.</remarks>
public sealed class MetricFamily
{
    /// <summary>Creates an empty family.</summary>
    public MetricFamily(string name, MetricType type, string? help = null, string? unit = null)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Type = type;
        Help = help;
        Unit = unit;
    }

    /// <summary>The family name, as in the TYPE line (for a text-format counter often ending in <c>_total</c>).</summary>
    public string Name { get; }

    /// <summary>The declared type; <see cref="MetricType.Unknown"/> when there was no TYPE line.</summary>
    public MetricType Type { get; set; }

    /// <summary>The HELP text (unescaped), or null when there was no HELP line.</summary>
    public string? Help { get; set; }

    /// <summary>The OpenMetrics unit, or null when there was no UNIT line.</summary>
    public string? Unit { get; set; }

    /// <summary>The samples in exposition order.</summary>
    public List<MetricSample> Samples { get; } = new();

    /// <summary>Adds a sample named like the family with the given label name/value pairs; returns the family.</summary>
    public MetricFamily Add(double value, params string[] labelPairs)
    {
        ArgumentNullException.ThrowIfNull(labelPairs);
        var pairs = new string[labelPairs.Length + 2];
        pairs[0] = LabelSet.MetricName;
        pairs[1] = Name;
        labelPairs.CopyTo(pairs, 2);
        Samples.Add(new MetricSample(LabelSet.Of(pairs), value));
        return this;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Type}, {Samples.Count} samples)";
}
