using Vigil.Core.Histograms;

namespace Vigil.PromQL.Engine;

/// <summary>A point of a result series: timestamp in milliseconds and a float value, or a native histogram when <see cref="H"/> is set.</summary>
public readonly record struct FPoint(long T, double F, FloatHistogram? H = null)
{
    /// <summary>True when the point is a native histogram (then <see cref="F"/> is meaningless).</summary>
    public bool IsHistogram => H is not null;
}
