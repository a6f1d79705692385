using Vigil.Core.Labels;
using Vigil.Core.Storage;

namespace Vigil.Server.Tests.TestSupport;

/// <summary>An appender that records what a collector appends, for assertions.</summary>
internal sealed class CapturingAppender : IAppender
{
    public List<(LabelSet Labels, long T, double V)> Samples { get; } = new();

    public bool Committed { get; private set; }

    public bool TryAppend(ref SeriesRef seriesRef, LabelSet labels, long timestampMs, double value, out AppendError error)
    {
        Samples.Add((labels, timestampMs, value));
        error = AppendError.None;
        return true;
    }

    public void Commit() => Committed = true;

    public void Rollback()
    {
    }

    /// <summary>The value of the only sample with this metric name and these labels (name/value pairs); fails otherwise.</summary>
    public double Value(string metric, params string[] labelPairs)
    {
        var matches = Find(metric, labelPairs);
        Assert.True(matches.Count == 1, $"expected one sample of {metric} {string.Join(",", labelPairs)}, found {matches.Count}");
        return matches[0].V;
    }

    public List<(LabelSet Labels, long T, double V)> Find(string metric, params string[] labelPairs)
    {
        var result = new List<(LabelSet, long, double)>();
        foreach (var s in Samples)
        {
            if (s.Labels.Name != metric)
            {
                continue;
            }
            bool ok = true;
            for (int i = 0; i < labelPairs.Length; i += 2)
            {
                ok &= s.Labels.Get(labelPairs[i]) == labelPairs[i + 1];
            }
            if (ok)
            {
                result.Add(s);
            }
        }
        return result;
    }
}
