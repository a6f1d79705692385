namespace Vigil.Core.Histograms;

/// <summary>What a native histogram sample says about a counter reset since the sample before it (Prometheus's CounterResetHint).</summary>
public enum CounterResetHint : byte
{
    /// <summary>Not known; readers detect resets by comparing with the previous sample.</summary>
    Unknown = 0,

    /// <summary>A counter reset happened right before this sample.</summary>
    CounterReset = 1,

    /// <summary>No counter reset happened since the previous sample.</summary>
    NotCounterReset = 2,

    /// <summary>The histogram is a gauge histogram: it may go down, resets do not apply.</summary>
    Gauge = 3,
}
