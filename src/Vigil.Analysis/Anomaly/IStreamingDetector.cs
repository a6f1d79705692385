namespace Vigil.Analysis.Anomaly;

/// <summary>A streaming anomaly detector for one series: one score in [0, 1] per incoming point, no look-ahead, bounded memory.</summary>
/// <remarks>
/// Instances are not thread-safe: one instance serves one series and is fed in time order. Timestamps are milliseconds
/// since the Unix epoch. Non-finite values are accepted and score 0 without changing the state. The state (parameters
/// included) round-trips through <see cref="SaveState"/> and <see cref="DetectorFactory.Restore"/>.
/// </remarks>
public interface IStreamingDetector
{
    /// <summary>The detector's registered name, e.g. <c>mad</c>.</summary>
    string Name { get; }

    /// <summary>Consumes the next point and returns its anomaly score in [0, 1] (0 while the detector is still learning).</summary>
    double Score(long timestampMs, double value);

    /// <summary>Serialises the parameters and the learned state into bytes that <see cref="DetectorFactory.Restore"/> reads back.</summary>
    byte[] SaveState();
}
