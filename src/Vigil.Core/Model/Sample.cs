using Vigil.Core.Labels;

using Vigil.Core.Histograms;

namespace Vigil.Core.Model;

/// <summary>A timestamped float value. <see cref="T"/> is milliseconds since the epoch.</summary>
public readonly record struct Sample(long T, double V)
{
    /// <summary>True when the value is the staleness marker.</summary>
    public bool IsStale => StaleMarker.IsStaleNaN(V);
}

/// <summary>A sample with the labels of its series (used by batches, push, import and query results); <see cref="H"/> is set for a native histogram sample.</summary>
public readonly record struct LabeledSample(LabelSet Labels, long T, double V, FloatHistogram? H = null);
