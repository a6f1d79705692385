using Vigil.Core.Histograms;

namespace Vigil.Core.Storage;

/// <summary>
/// Iterates the samples of one series in increasing timestamp order.
/// </summary>
/// <remarks>
/// Modelled on Prometheus's <c>chunkenc.Iterator</c>. Not thread-safe. Reusable: pass a finished iterator back to
/// <see cref="ISeries.Iterator"/> to avoid allocation. <see cref="T"/> and <see cref="V"/> are valid after
/// <see cref="Next"/> or <see cref="Seek"/> returned true, until the next call. Timestamps are milliseconds since
/// the epoch. Staleness markers are returned as the stale NaN value; callers decide what they mean.
/// </remarks>
public interface ISampleIterator
{
    /// <summary>Advances to the next sample; false when exhausted or on error (see <see cref="Error"/>).</summary>
    bool Next();

    /// <summary>
    /// Advances to the first sample with timestamp ≥ <paramref name="t"/>. If the current sample already satisfies that,
    /// stays. Never moves backwards. False when no such sample exists.
    /// </summary>
    bool Seek(long t);

    /// <summary>Timestamp of the current sample, milliseconds since the epoch.</summary>
    long T { get; }

    /// <summary>Value of the current sample.</summary>
    double V { get; }

    /// <summary>The native histogram of the current sample, or null when it is a float sample (then <see cref="V"/> holds it).</summary>
    FloatHistogram? H => null;

    /// <summary>The error that stopped iteration early, or null.</summary>
    Exception? Error { get; }
}
