namespace Vigil.Core.Exposition;

/// <summary>The type of a metric family as declared by a <c># TYPE</c> line.</summary>
/// <remarks>
/// The text format 0.0.4 knows counter, gauge, histogram, summary and untyped (<see cref="Unknown"/>); OpenMetrics adds
/// gauge histograms, info and state sets and spells untyped as <c>unknown</c>.
/// </remarks>
public enum MetricType
{
    /// <summary>No or unknown type (<c>untyped</c> in the text format, <c>unknown</c> in OpenMetrics).</summary>
    Unknown,

    /// <summary>A monotonically increasing counter.</summary>
    Counter,

    /// <summary>A value that can go up and down.</summary>
    Gauge,

    /// <summary>A classic histogram: <c>_bucket</c>, <c>_sum</c> and <c>_count</c> series.</summary>
    Histogram,

    /// <summary>An OpenMetrics gauge histogram: <c>_bucket</c>, <c>_gsum</c> and <c>_gcount</c> series.</summary>
    GaugeHistogram,

    /// <summary>A summary: quantile series plus <c>_sum</c> and <c>_count</c>.</summary>
    Summary,

    /// <summary>An OpenMetrics info metric (<c>_info</c> series with value 1).</summary>
    Info,

    /// <summary>An OpenMetrics state set (one series per state, value 0 or 1).</summary>
    StateSet,
}
