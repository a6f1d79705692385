using System.Diagnostics.Metrics;

namespace Vigil.Collection.Collectors;

/// <summary>The built-in collectors' instruments: collections, their duration, and appended and refused samples.</summary>
/// <remarks>Created on the host's meter (so they export next to its other instruments). Thread-safe.</remarks>
public sealed class CollectorInstruments
{
    /// <summary>Creates the instruments on <paramref name="meter"/>, which the caller owns.</summary>
    public CollectorInstruments(Meter meter)
    {
        Collections = meter.CreateCounter<long>("vigil.collector.collections", "{collection}",
            "Collections run by the built-in collectors, by collector and result (success or failure).");
        CollectionDuration = meter.CreateHistogram<double>("vigil.collector.duration", "s",
            "Time one collection took, by collector.");
        SamplesAppended = meter.CreateCounter<long>("vigil.collector.samples.appended", "{sample}",
            "Samples the built-in collectors appended to storage, by collector.");
        SamplesRefused = meter.CreateCounter<long>("vigil.collector.samples.refused", "{sample}",
            "Samples of the built-in collectors that storage refused, by collector and reason.");
    }

    /// <summary>Collections run, by collector and result.</summary>
    public Counter<long> Collections { get; }

    /// <summary>Seconds one collection took, by collector.</summary>
    public Histogram<double> CollectionDuration { get; }

    /// <summary>Samples appended, by collector.</summary>
    public Counter<long> SamplesAppended { get; }

    /// <summary>Samples storage refused, by collector and reason.</summary>
    public Counter<long> SamplesRefused { get; }
}
