using Vigil.Core.Labels;
using Vigil.Core.Storage;

namespace Vigil.Collection.Collectors;

/// <summary>Appends samples of one collection, all at the same timestamp, building label sets from name/value pairs.</summary>
/// <remarks>Not thread-safe; one per collection.</remarks>
internal readonly struct SampleWriter(IAppender appender, long timestampMs)
{
    public long TimestampMs => timestampMs;

    /// <summary>Appends <paramref name="metric"/> with the given label name/value pairs.</summary>
    public void Add(string metric, double value, params string[] labelPairs)
    {
        var pairs = new string[labelPairs.Length + 2];
        pairs[0] = LabelSet.MetricName;
        pairs[1] = metric;
        labelPairs.CopyTo(pairs, 2);
        Add(LabelSet.Of(pairs), value);
    }

    /// <summary>Appends a sample for a ready label set (which includes <c>__name__</c>).</summary>
    public void Add(LabelSet labels, double value)
    {
        var r = SeriesRef.None;
        appender.TryAppend(ref r, labels, timestampMs, value, out _);
    }
}
