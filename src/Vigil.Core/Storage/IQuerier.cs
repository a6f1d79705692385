using Vigil.Core.Labels;

namespace Vigil.Core.Storage;

/// <summary>
/// Reads series and label indexes over the inclusive time range [mint, maxt] fixed when it was opened.
/// </summary>
/// <remarks>
/// Modelled on Prometheus's <c>storage.Querier</c>. A querier sees a consistent snapshot of committed data as of
/// its creation for data already persisted; the head may expose samples committed later but never uncommitted ones.
/// Safe to call from one thread at a time; open one querier per concurrent query. Dispose releases the blocks it
/// pins (so compaction and retention can delete them). Series sets returned must not be used after dispose.
/// </remarks>
public interface IQuerier : IDisposable
{
    /// <summary>Lower bound of the range, inclusive, milliseconds.</summary>
    long MinTime { get; }

    /// <summary>Upper bound of the range, inclusive, milliseconds.</summary>
    long MaxTime { get; }

    /// <summary>
    /// Returns the series matching all <paramref name="matchers"/> (at least one matcher must not match the empty
    /// string), sorted by labels when <paramref name="sortSeries"/> is true. Series with no samples in range may be
    /// omitted.
    /// </summary>
    ISeriesSet Select(bool sortSeries, SelectHints? hints, params LabelMatcher[] matchers);

    /// <summary>Sorted unique values of label <paramref name="name"/> among series matching <paramref name="matchers"/> (all series when none).</summary>
    IReadOnlyList<string> LabelValues(string name, params LabelMatcher[] matchers);

    /// <summary>Sorted unique label names among series matching <paramref name="matchers"/> (all series when none).</summary>
    IReadOnlyList<string> LabelNames(params LabelMatcher[] matchers);
}
