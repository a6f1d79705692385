using Vigil.Core.Labels;

namespace Vigil.Core.Storage;

/// <summary>One series returned by a querier: its labels and a way to read its samples within the querier's range.</summary>
/// <remarks>Valid while the querier that produced it is not disposed. Not thread-safe.</remarks>
public interface ISeries
{
    /// <summary>The series' labels (immutable).</summary>
    LabelSet Labels { get; }

    /// <summary>
    /// Returns an iterator over the samples in the querier's [mint, maxt], reusing <paramref name="reuse"/> when it is
    /// an iterator of a compatible kind (callers pass the iterator they used for the previous series).
    /// </summary>
    ISampleIterator Iterator(ISampleIterator? reuse = null);
}
