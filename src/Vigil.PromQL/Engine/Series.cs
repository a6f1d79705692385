using Vigil.Core.Labels;

namespace Vigil.PromQL.Engine;

/// <summary>One series of a matrix result: labels and points in increasing time order.</summary>
public sealed class Series(LabelSet metric, FPoint[] points)
{
    /// <summary>The series labels.</summary>
    public LabelSet Metric { get; } = metric;

    /// <summary>The points, sorted by timestamp.</summary>
    public IReadOnlyList<FPoint> Points { get; } = points;
}
