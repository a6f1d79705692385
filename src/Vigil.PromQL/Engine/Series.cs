using Vigil.Core.Labels;

namespace Vigil.PromQL.Engine;

/// <summary>One series of a matrix result: labels and points in increasing time order.</summary>
public sealed class Series
{
    private readonly FPoint[] _points;
    private readonly int _count;

    /// <summary>Creates a series holding <paramref name="points"/>.</summary>
    public Series(LabelSet metric, FPoint[] points)
        : this(metric, points, points.Length)
    {
    }

    /// <summary>A series over the first <paramref name="count"/> points of a (pooled) buffer.</summary>
    internal Series(LabelSet metric, FPoint[] buffer, int count)
    {
        Metric = metric;
        _points = buffer;
        _count = count;
    }

    /// <summary>The series labels.</summary>
    public LabelSet Metric { get; }

    /// <summary>The points, sorted by timestamp.</summary>
    public IReadOnlyList<FPoint> Points => new ArraySegment<FPoint>(_points, 0, _count);

    /// <summary>The points as a span (no copy), sorted by timestamp.</summary>
    public ReadOnlySpan<FPoint> PointSpan => _points.AsSpan(0, _count);

    /// <summary>The underlying buffer, for returning it to the pool.</summary>
    internal FPoint[] Buffer => _points;
}
